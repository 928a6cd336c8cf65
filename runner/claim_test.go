package runner

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The trial lock is exclusive between open files (so between processes), and released on release.
func TestClaimIsExclusive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trial")
	release, err := claim(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := claim(dir); !errors.Is(err, ErrTrialBusy) {
		t.Fatalf("second claim: %v, want ErrTrialBusy", err)
	}
	release()
	again, err := claim(dir)
	if err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	again()
}

// Only the temporary files of the trial's own atomic writes are removed.
func TestCleanStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := []string{".last.safetensors.tmp123", ".best.safetensors.tmp9", ".class_indices.json.tmp4", ".class_indices-5.tmp"}
	keep := []string{LastCheckpoint, BestCheckpoint, ClassIndices, LockFile, "notes.tmp", ".other.tmp1"}
	for _, n := range append(slices.Clone(stale), keep...) {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	if err := cleanStaleTemps(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	slices.Sort(left)
	want := slices.Clone(keep)
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Fatalf("left %v, want %v", left, want)
	}
}
