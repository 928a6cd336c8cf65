package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inceptionlab/tracking"
)

// evidenceFixture writes a database with two finished runs of one experiment that differ in
// model.aux.enabled, each with per-example predictions on the same 40 test examples (run A is right on
// 30, run B on 24; A alone is right on 8, B alone on 2) and a validation confusion matrix.
func evidenceFixture(t *testing.T) (db string, now func() time.Time) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "runs.db")
	tick := base
	clock := func() time.Time { tick = tick.Add(5 * time.Second); return tick }
	n := 0
	s, err := tracking.Open(db, tracking.Options{Now: clock, NewID: func() string {
		n++
		return fmt.Sprintf("%08x-2222-4000-8000-%012x", n*0xa0a0a0a, n)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i, aux := range []string{"true", "false"} {
		r, err := s.StartRun(ctx, tracking.RunInfo{Experiment: "abl", Trial: "aux=" + aux, ConfigHash: "h" + aux, Seed: 1,
			ConfigText: "model:\n  aux:\n    enabled: " + aux + "\ntrain:\n  lr: 0.001\n",
			Params:     map[string]string{"model.aux.enabled": aux, "train.lr": "0.001", "derived.params": fmt.Sprint(1000 + 500*(1-i))}})
		if err != nil {
			t.Fatal(err)
		}
		r.LogEpoch(ctx, tracking.Epoch{Epoch: 1, TrainLoss: 1, TrainTop1: 0.5, ValLoss: 1, ValTop1: 0.6 - 0.1*float64(i),
			ValTop5: 0.9, Seconds: 10})
		var preds []tracking.Prediction
		for ex := 0; ex < 40; ex++ {
			label := ex % 2
			// both right on 0..21, A only on 22..29, B only on 30..31, both wrong on 32..39
			right := ex < 22 || (i == 0 && ex < 30) || (i == 1 && ex >= 30 && ex < 32)
			pred := label
			if !right {
				pred = 1 - label
			}
			preds = append(preds, tracking.Prediction{Example: ex, Label: label, Pred: pred, PTrue: 0.5, Top5: []int{pred, 1 - pred}})
		}
		m, _ := tracking.ConfusionOf(preds, 2)
		r.SetClasses(ctx, []string{"cat", "dog"})
		if err := r.SetEvaluation(ctx, tracking.Evaluation{Split: tracking.SplitTest, Predictions: preds, Confusion: m}); err != nil {
			t.Fatal(err)
		}
		r.SetTestMetrics(ctx, 1, float64(30-6*i)/40, 1)
		r.Finish(ctx, tracking.Finished, "")
	}
	last := clock()
	return db, func() time.Time { return last }
}

func TestExportEvidence(t *testing.T) {
	db, now := evidenceFixture(t)
	tests := []struct {
		name string
		args []string
		want []string // lines that must appear
		rows int
	}{
		{"predictions", []string{"-db", db, "export", "-format", "csv", "-what", "predictions"},
			[]string{"run_id,experiment,trial,seed,split,example,label,label_name,pred,pred_name,correct,p_true,top5",
				"0a0a0a0a-2222-4000-8000-000000000001,abl,aux=true,1,test,22,0,cat,0,cat,1,0.5,\"0,1\"",
				"14141414-2222-4000-8000-000000000002,abl,aux=false,1,test,22,0,cat,1,dog,0,0.5,\"1,0\""}, 81},
		{"confusion", []string{"-db", db, "export", "-format", "csv", "-what", "confusion", "-where", "model.aux.enabled=true"},
			[]string{"run_id,experiment,trial,seed,split,label,label_name,pred,pred_name,n",
				"0a0a0a0a-2222-4000-8000-000000000001,abl,aux=true,1,test,0,cat,0,cat,15"}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(now, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != tt.rows {
				t.Errorf("%d lines, want %d:\n%s", len(lines), tt.rows, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w+"\n") {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestDiffGolden(t *testing.T) {
	db, now := evidenceFixture(t)
	code, out, errOut := runCmd(now, "", "-db", db, "diff", "0a0a", "1414")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	checkGolden(t, "diff", out)
	// A is right on 8 images B gets wrong, B on 2 that A gets wrong: McNemar p = 2·(1+10+45)/2^10.
	if want := "exact McNemar p = 0.109 (only A right: 8, only B right: 2)"; !strings.Contains(out, want) {
		t.Errorf("diff lacks %q", want)
	}
}

func TestListMetrics(t *testing.T) {
	db, now := evidenceFixture(t)
	tests := []struct {
		name  string
		args  []string
		order []string // trials in output order
	}{
		{"where metric", []string{"-where", "test_top1>0.7"}, []string{"aux=true"}},
		{"where metric and param", []string{"-where", "best_val_top1>=0.5", "-where", "model.aux.enabled=false"}, []string{"aux=false"}},
		{"sort descending", []string{"-sort", "-test_top1"}, []string{"aux=true", "aux=false"}},
		{"sort ascending", []string{"-sort", "test_top1"}, []string{"aux=false", "aux=true"}},
		{"none match", []string{"-where", "test_top1<0.1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(now, "", append([]string{"-db", db, "list"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
				if f := strings.Fields(line); len(f) > 2 {
					got = append(got, f[2])
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.order, " ") {
				t.Fatalf("trials %v, want %v\n%s", got, tt.order, out)
			}
		})
	}
	errs := []struct{ name, arg, want string }{
		{"metric with text", "-where=test_top1>high", "test_top1 must be compared with a number"},
		{"param with comparison", "-where=train.lr>0.1", `"train.lr" is not a metric`},
		{"bad sort", "-sort=-accuracy", `-sort "-accuracy": want a metric`},
	}
	for _, e := range errs {
		t.Run(e.name, func(t *testing.T) {
			code, _, errOut := runCmd(now, "", "-db", db, "list", e.arg)
			if code != 2 || !strings.Contains(errOut, e.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 containing %q", code, errOut, e.want)
			}
		})
	}
}
