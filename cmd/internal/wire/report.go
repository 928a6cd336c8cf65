package wire

import (
	"context"
	"path/filepath"

	"inceptionlab/experiments"
	"inceptionlab/reports"
	"inceptionlab/runner"
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
		if st, err := Study(runner.SpecForConfig(exp, 5)); err == nil {
			opts.Study = st
		}
	}
	return opts
}

// WriteReport writes the experiment's report to its default path and returns the path.
func WriteReport(ctx context.Context, st *tracking.Store, exp *experiments.Experiment, configFile, outDir string, b Build) (string, error) {
	path := ReportPath(outDir, exp.Name)
	return path, reports.WriteFile(ctx, st, ReportOptions(exp, exp.Name, configFile, b), path)
}
