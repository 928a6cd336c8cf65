package main

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"inceptionlab/model/safetensors"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

// TestTrainOnAllWithoutValidation runs the smoke trial with data.split.val: 0, the protocol for a
// final test figure: every training image is trained on, nothing is validated, and the checkpoint
// that is tested is the last epoch's (the weight average's, with train.ema). Before, a run without a
// validation split kept epoch 1's weights as "best" and tested those.
func TestTrainOnAllWithoutValidation(t *testing.T) {
	e := newEnv(t)
	code, out, errs := e.run(context.Background(), "-config", smoke, "-set", "data.split.val=0", "-set", "train.epochs=3",
		"-set", "train.ema.decay=0.9", "-no-report")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	runs := e.runs("smoke")
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	r := runs[0]
	if r.Status != tracking.Finished || r.Epochs != 3 {
		t.Fatalf("run %s: status %s, %d epochs; want FINISHED, 3", r.Trial, r.Status, r.Epochs)
	}
	if r.Params[tracking.DerivedValImages] != "0" {
		t.Errorf("%s = %q, want 0", tracking.DerivedValImages, r.Params[tracking.DerivedValImages])
	}
	for _, ep := range e.epochs(r.ID) {
		if !math.IsNaN(ep.ValTop1) || ep.EMA != nil {
			t.Errorf("epoch %d: val top-1 %v, EMA %v; want NaN (not validated) and none", ep.Epoch, ep.ValTop1, ep.EMA)
		}
	}
	if r.TestTop1 == nil || math.IsNaN(*r.TestTop1) {
		t.Errorf("no test top-1 recorded")
	}
	paths, _ := filepath.Glob(filepath.Join(e.out(), "smoke", "*", runner.BestCheckpoint))
	if len(paths) != 1 {
		t.Fatalf("%d best checkpoints, want 1", len(paths))
	}
	_, meta, err := safetensors.ReadSafetensors(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if meta[runner.MetaEpoch] != "3" {
		t.Errorf("best checkpoint is epoch %q's, want the last epoch's (3)", meta[runner.MetaEpoch])
	}
	if !strings.Contains(out, "test (best checkpoint)") {
		t.Errorf("stdout has no test line:\n%s", out)
	}
	// The summary table says there is no best validation figure, not "0.0% (ep 0)".
	row := ""
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 8 && f[0] == "default" && f[1] == "FINISHED" {
			row = l
			if f[2] != "-" {
				t.Errorf("summary row %q: best val top-1 %q, want -", l, f[2])
			}
		}
	}
	if row == "" {
		t.Errorf("no summary row for the trial in stdout:\n%s", out)
	}
}

// TestEarlyStopNeedsValidation: early stopping watches the validation loss, so asking for it with
// data.split.val: 0 is a config error naming both keys, before anything trains.
func TestEarlyStopNeedsValidation(t *testing.T) {
	e := newEnv(t)
	code, _, errs := e.run(context.Background(), "-config", smoke, "-set", "data.split.val=0", "-set", "train.early_stop.patience=2")
	if code == 0 {
		t.Fatal("exit 0, want a config error")
	}
	for _, want := range []string{"train.early_stop.patience", "data.split.val is 0"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q does not name %q", errs, want)
		}
	}
	if strings.Contains(errs, "goroutine") {
		t.Errorf("stack trace on stderr:\n%s", errs)
	}
}
