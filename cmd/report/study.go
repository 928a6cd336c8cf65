package main

import (
	"context"
	"fmt"
	"strconv"

	"inceptionlab/cmd/internal/wire"
	"inceptionlab/experiments"
	"inceptionlab/reports"
	"inceptionlab/tracking"
)

func init() { newStudy = study }

// study computes the 1x1 study for the experiment's network: from -config when given, else from the
// resolved config recorded with the experiment's newest run, through the same wire.ExperimentStudy as
// the runner's report (which compares the module variants and counts the aux heads whatever that run
// set, so the newest run of a reduce or aux sweep gives the same study as any other).
func study(ctx context.Context, st *tracking.Store, experiment, configFile string) (*reports.Study, error) {
	classes := 0
	var exp *experiments.Experiment
	var err error
	runs, err := st.Runs(ctx, tracking.Filter{Experiment: experiment})
	if err != nil {
		return nil, err
	}
	if len(runs) > 0 {
		newest := runs[0]
		for _, r := range runs[1:] {
			if r.Start.After(newest.Start) {
				newest = r
			}
		}
		classes, _ = strconv.Atoi(newest.Params[tracking.DerivedNumClasses])
		if configFile == "" {
			if exp, err = experiments.Parse("run "+newest.ID, []byte(newest.ConfigText), nil); err != nil {
				return nil, fmt.Errorf("reading the config recorded with run %s: %w", newest.ID, err)
			}
		}
	}
	if configFile != "" {
		if exp, err = experiments.Load(configFile, nil); err != nil {
			return nil, err
		}
	}
	if exp == nil {
		return nil, nil
	}
	if classes < 2 {
		classes = 5
	}
	return wire.ExperimentStudy(exp, classes)
}
