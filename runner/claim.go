package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LockFile is the lock file of a trial folder. A runner holds an exclusive lock on it (flock) from before
// it looks at the folder until the trial has ended; the kernel drops the lock when the process dies, so a
// killed runner never leaves it held.
const LockFile = ".trial.lock"

// ErrTrialBusy is returned (wrapped) when another live process holds a trial: the trial folder's lock or,
// across hosts sharing one database, the trial's RUNNING row. A Recorder's StartRun wraps it when the
// store refuses a second RUNNING run of the same trial.
var ErrTrialBusy = errors.New("trial is claimed by another live runner")

// claim takes the trial folder's lock (creating the folder) without waiting. The returned release drops
// it. A lock held by another process fails with ErrTrialBusy.
func claim(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("runner: creating the trial folder: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("runner: trial lock %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("runner: %w: %s is locked", ErrTrialBusy, path)
		}
		return nil, fmt.Errorf("runner: trial lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// cleanStaleTemps removes temporary files an interrupted checkpoint or class-index write left in the
// trial folder (".last.safetensors.tmp123", ".class_indices.json.tmp123", and the older
// ".class_indices-123.tmp"). Call it only with the trial's lock
// held: then no other process is writing them.
func cleanStaleTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("runner: cleaning %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		stale := false
		for _, prefix := range []string{"." + LastCheckpoint + ".tmp", "." + BestCheckpoint + ".tmp", "." + ClassIndices + ".tmp"} {
			stale = stale || strings.HasPrefix(name, prefix)
		}
		stale = stale || (strings.HasPrefix(name, ".class_indices-") && strings.HasSuffix(name, ".tmp"))
		if !stale || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("runner: cleaning stale temporary files in %s: %w", dir, errors.Join(errs...))
	}
	return nil
}
