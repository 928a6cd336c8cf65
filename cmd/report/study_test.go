package main

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"inceptionlab/cmd/internal/wire"
	"inceptionlab/experiments"
	"inceptionlab/tracking"
)

// TestStudyOfAuxSweepCountsAuxHeads is the regression test for the standalone report building the 1x1
// study from the newest run: in an aux on/off sweep whose newest run has aux heads off, its "with aux
// heads" rows showed the aux-off network. The standalone command and the runner must give the same
// study, whichever trial ran last.
func TestStudyOfAuxSweepCountsAuxHeads(t *testing.T) {
	exp, err := experiments.Load("../../configs/ablation_1x1.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := exp.Trials()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tracking.Open(filepath.Join(t.TempDir(), "x.db"), tracking.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	// The trials in sweep order: the newest run is reduce=false,aux=false.
	for _, tr := range trials {
		r, err := st.StartRun(ctx, tracking.RunInfo{Experiment: exp.Name, Trial: tr.Name, ConfigText: tr.Resolved,
			ConfigHash: tr.Hash, Seed: tr.Config.Seed, Params: map[string]string{"derived.num_classes": "10"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(ctx, tracking.Finished, ""); err != nil {
			t.Fatal(err)
		}
	}
	got, err := study(ctx, st, exp.Name, "")
	if err != nil || got == nil {
		t.Fatalf("study = %v, %v", got, err)
	}
	want := wire.ReportOptions(exp, exp.Name, "", wire.Build{}).Study // what the runner's report shows
	if want == nil || !reflect.DeepEqual(got.Totals, want.Totals) {
		t.Fatalf("standalone study totals\n%+v\ndiffer from the runner's\n%+v", got.Totals, want)
	}
	for i := 0; i+1 < len(got.Totals); i += 2 {
		with, without := got.Totals[i], got.Totals[i+1]
		if !with.Aux || without.Aux || with.Params <= without.Params {
			t.Errorf("%s: with aux heads %d params, without %d; the aux heads are not counted", with.Variant,
				with.Params, without.Params)
		}
	}
}
