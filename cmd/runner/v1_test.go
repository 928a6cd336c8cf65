package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"inceptionlab/tracking"
)

// copyTree copies the files under src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testdata/v1smoke holds what the v1 runner (commit cb83301, `runner -config configs/smoke.yaml -db
// tracking.db -out runs -threads 1 -no-report`) left behind: its database with the FINISHED trial and
// the trial folder (checkpoints left out to keep the repository small). Today's runner on the same
// config skips the trial: it neither trains it again nor makes a second trial folder.
func TestV1FinishedTrialIsSkipped(t *testing.T) {
	e := newEnv(t)
	copyTree(t, "testdata/v1smoke", e.dir)
	v1Smoke := "../../experiments/testdata/v1/configs/smoke.yaml"
	code, out, errs := e.run(context.Background(), "-config", v1Smoke, "-threads", "1", "-no-report")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if !strings.Contains(out, "SKIPPED") || strings.Contains(out, "epoch 1/") {
		t.Errorf("the v1 trial was not skipped:\n%s", out)
	}
	runs := e.runs("smoke")
	if len(runs) != 1 || runs[0].Status != tracking.Finished {
		t.Fatalf("runs after the upgrade: %+v, want v1's one FINISHED run", runs)
	}
	entries, err := os.ReadDir(filepath.Join(e.out(), "smoke"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, d := range entries {
		if d.IsDir() {
			dirs = append(dirs, d.Name())
		}
	}
	if !slices.Equal(dirs, []string{"default-cc52426c"}) {
		t.Errorf("trial folders %v, want v1's [default-cc52426c] only", dirs)
	}
}
