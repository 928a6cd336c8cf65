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
