package main

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"inceptionlab/internal/fault"
	"inceptionlab/tracking"
)

// Deleting the KILLED run a later run resumed from breaks the resumed_from link, but the checkpoint is
// still the one the later run recorded (its sha256), so the trial still resumes.
func TestResumeAfterDeletingTheRunThatWroteTheCheckpoint(t *testing.T) {
	e := newEnv(t)
	args := []string{"-db", e.db(), "-out", e.out(), "-config", smoke, "-set", "train.epochs=3", "-no-report", "-quiet"}
	ctx, cancel := context.WithCancel(context.Background())
	w := &cancelAfter{text: "epoch 1/3", cancel: cancel}
	var errb bytes.Buffer
	if code := run(ctx, args[:len(args)-1], w, &errb); code != ExitInterrupted { // progress lines: not -quiet
		t.Fatalf("interrupted run: exit %d\n%s", code, errb.String())
	}
	first := e.runs("smoke")[0]
	// The resumed run is killed at its first checkpoint write: it owns the files, wrote none of them.
	cmd := runnerCommand([]string{fault.EnvVar + "=" + fault.CheckpointWrite}, args...)
	if err := cmd.Run(); err == nil || !killed(cmd) {
		t.Fatalf("the resumed runner was not killed: %v", err)
	}
	st := e.store()
	if _, err := st.Delete(context.Background(), first.ID); err != nil {
		t.Fatal(err)
	}
	code, out, errs := e.run(context.Background(), "-config", smoke, "-set", "train.epochs=3", "-no-report", "-quiet")
	if code != ExitOK {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errs)
	}
	for _, r := range e.runs("smoke") {
		if r.Status == tracking.Finished {
			if got := epochNumbers(e.epochs(r.ID)); !slices.Equal(got, []int{1, 2, 3}) {
				t.Fatalf("finished run epochs %v, want [1 2 3]", got)
			}
			return
		}
	}
	t.Fatal("no FINISHED run")
}
