package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inceptionlab/internal/fault"
	"inceptionlab/tracking"
)

// tempFiles lists the checkpoint temporary files under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// Issue 15 case 9: a kill during a checkpoint write leaves a temporary file; the next start of the trial
// removes it.
func TestKillMidCheckpointLeavesNoTempFileAfterRerun(t *testing.T) {
	e := newEnv(t)
	cmd := runnerCommand([]string{fault.EnvVar + "=" + fault.CheckpointWrite + "@2"}, // last.safetensors of epoch 1
		"-config", smoke, "-db", e.db(), "-out", e.out(), "-no-report", "-quiet")
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != -1 {
		t.Fatalf("the runner was not killed: %v", err)
	}
	if left := tempFiles(t, e.out()); len(left) != 1 || !strings.Contains(filepath.Base(left[0]), ".last.safetensors.tmp") {
		t.Fatalf("after the kill: temp files %v, want one .last.safetensors.tmp*", left)
	}
	if code, out, errs := e.run(context.Background(), "-config", smoke, "-no-report", "-quiet"); code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errs)
	}
	if left := tempFiles(t, e.out()); len(left) != 0 {
		t.Fatalf("temp files left after the rerun: %v", left)
	}
	for _, r := range e.runs("smoke") {
		if r.Status == tracking.Running {
			t.Errorf("run %s still RUNNING", r.ID)
		}
	}
}
