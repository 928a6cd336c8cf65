package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"inceptionlab/model"
	"inceptionlab/model/arch"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

// rewrite replaces a checkpoint by change(its net, its runner metadata).
func rewrite(t *testing.T, path string, change func(spec *arch.Spec, meta map[string]string)) {
	t.Helper()
	net, meta, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	keep := map[string]string{}
	for k, v := range meta {
		if !strings.HasPrefix(k, "inceptionlab.") && !strings.HasPrefix(k, "adam.") {
			keep[k] = v
		}
	}
	spec := net.Spec()
	change(&spec, keep)
	other, err := model.New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.SaveTraining(path, keep); err != nil {
		t.Fatal(err)
	}
}

// Issue 15 case 4: resume verifies last.safetensors (architecture, run id) instead of trusting the
// config_hash in its metadata.
func TestResumeRejectsForeignCheckpoint(t *testing.T) {
	cases := []struct {
		name   string
		change func(*arch.Spec, map[string]string)
		want   string
	}{
		{"other architecture", func(s *arch.Spec, _ map[string]string) { s.Width *= 2 }, "architecture"},
		{"other run", func(_ *arch.Spec, m map[string]string) { m[runner.MetaRunID] = "not-a-run-of-this-trial" }, "run id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			args := []string{"-db", e.db(), "-out", e.out(), "-config", smoke, "-set", "train.epochs=3", "-no-report"}
			ctx, cancel := context.WithCancel(context.Background())
			w := &cancelAfter{text: "epoch 1/3", cancel: cancel}
			var errb bytes.Buffer
			if code := run(ctx, args, w, &errb); code != ExitInterrupted {
				t.Fatalf("interrupted run: exit %d\n%s", code, errb.String())
			}
			runs := e.runs("smoke")
			last := filepath.Join(e.out(), "smoke", filepath.Base(runner.RunDir("", "smoke", runs[0].Trial, runs[0].ConfigHash)), runner.LastCheckpoint)
			rewrite(t, last, tc.change)
			code, out, errs := e.run(context.Background(), "-config", smoke, "-set", "train.epochs=3", "-no-report")
			if code != ExitFailed || !strings.Contains(out+errs, last) || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("resume from a replaced checkpoint: exit %d; want %d naming %s and the %s check\n%s\n%s",
					code, ExitFailed, last, tc.want, out, errs)
			}
			for _, r := range e.runs("smoke") {
				if r.Status == tracking.Finished {
					t.Fatalf("run %s FINISHED from the replaced checkpoint", r.ID)
				}
			}
		})
	}
}
