package tracking

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Issue 15 case 9: a read-only store (the report, runs list on a read-only file) shows dead runs the way
// the reaper would mark them, without writing.
func TestReadOnlyStoreAppliesLiveness(t *testing.T) {
	path := tempDB(t)
	c := newClock()
	s, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	gone := info("e", "gone")
	gone.PID = deadPID(t)
	goneRun := mustStart(t, s, gone)
	stale := info("e", "stale")
	stale.Host = "other-host"
	staleRun := mustStart(t, s, stale)
	live := mustStart(t, s, info("e", "live"))
	s.Close()
	before, _ := os.ReadFile(path)

	c.Advance(DefaultStaleAfter / 2)
	ro, err := Open(path, Options{Now: c.Now, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	check := func(id string, want Status, reason string) {
		t.Helper()
		r, err := ro.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != want || r.Error != reason {
			t.Errorf("run %s: %s %q, want %s %q", r.Trial, r.Status, r.Error, want, reason)
		}
	}
	check(goneRun.ID, Failed, ReasonProcessGone)
	check(staleRun.ID, Running, "")
	check(live.ID, Running, "")
	c.Advance(DefaultStaleAfter)
	check(staleRun.ID, Failed, ReasonHeartbeatLost)
	runs, err := ro.Runs(ctx, Filter{Status: Running})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 0 {
		t.Errorf("Runs(status RUNNING) = %d runs, want none: the live one's heartbeat is stale by now", len(runs))
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the read-only store wrote the file")
	}
}

// Issue 15 case 9: a database on a read-only mount opens read-only (runs list, report) instead of
// failing with "unable to open database file". Needs root to mount a tmpfs; skipped otherwise.
func TestReadOnlyMount(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16m"); err != nil {
		t.Skip("cannot mount a tmpfs here:", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	path := filepath.Join(dir, "runs.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := mustStart(t, s, info("e", "t"))
	mustLog(t, r, epoch(1, 0.5))
	r.Finish(ctx, Finished, "")
	s.Close()
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skip("cannot remount read-only:", err)
	}
	start := time.Now()
	if _, err := Open(path, Options{}); err == nil || !errors.Is(err, ErrReadOnly) {
		t.Fatalf("writable Open on a read-only mount: %v, want ErrReadOnly", err)
	}
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open on a read-only mount: %v", err)
	}
	defer ro.Close()
	runs, err := ro.Runs(ctx, Filter{})
	if err != nil || len(runs) != 1 || runs[0].Status != Finished {
		t.Fatalf("Runs = %+v, %v", runs, err)
	}
	// A hang guard, not a speed target: a read-only open must not wait on a lock it can never get.
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %v", took)
	}
}
