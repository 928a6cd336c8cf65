package wire

import (
	"context"
	"path/filepath"

	"inceptionlab/experiments"
	"inceptionlab/model/arch"
	"inceptionlab/reports"
	"inceptionlab/tracking"
)

// ReportPath is where an experiment's report goes by default: OUT/<experiment>/report.html.
func ReportPath(outDir, experiment string) string {
	return filepath.Join(outDir, experiment, "report.html")
}

// ReportOptions assembles the report options for an experiment: the study comes from its model section
// (when exp is nil, from the paper's network), the build facts from b.
func ReportOptions(exp *experiments.Experiment, name, configFile string, b Build) reports.Options {
	opts := reports.Options{Experiment: name, ConfigFile: configFile, Build: b.Map()}
	if exp != nil {
		if st, err := ExperimentStudy(exp, 5); err == nil {
			opts.Study = st
		}
	}
	return opts
}

// ExperimentStudy is the 1x1 study of an experiment's network, the one function both the runner's
// report and the standalone report command use. fallbackClasses is the class count for data sources
// whose classes the config does not fix. The study compares module variants itself and reports every
// network with and without aux heads, so it must not depend on which trial's config it is given: the
// aux heads are counted (as model.aux describes them, else the paper's) even when that trial turned
// them off.
func ExperimentStudy(exp *experiments.Experiment, fallbackClasses int) (*reports.Study, error) {
	spec := exp.SpecForConfig(fallbackClasses)
	if !spec.Aux.Enabled {
		spec.Aux.Enabled = true
		if len(spec.Aux.After) == 0 {
			spec.Aux = arch.DefaultSpec(spec.NumClasses).Aux
		}
	}
	return Study(spec)
}

// WriteReport writes the experiment's report to its default path and returns the path.
func WriteReport(ctx context.Context, st *tracking.Store, exp *experiments.Experiment, configFile, outDir string, b Build) (string, error) {
	path := ReportPath(outDir, exp.Name)
	return path, reports.WriteFile(ctx, st, ReportOptions(exp, exp.Name, configFile, b), path)
}
