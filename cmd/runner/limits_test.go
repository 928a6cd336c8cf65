package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inceptionlab/internal/fault"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

// Issue 15 case 5: sizes that cannot be built are rejected before anything is allocated, with the
// numbers, in well under a second, and the run is recorded FAILED (never RUNNING).
func TestOversizedModelRejectedBeforeBuilding(t *testing.T) {
	cases := []struct{ name, set, want string }{
		{"width 1e9", "model.width=1e9", "width 1e+09 makes"},
		{"width 1e15", "model.width=1e15", "width 1e+15 makes"},
		{"more parameters than the limit", "model.width=30", "more than the limit of 2,147,483,648"},
		{"more memory than the machine", "model.width=4", "but this machine has 1.0 GiB available (MemAvailable"},
	}
	meminfo := filepath.Join(t.TempDir(), "meminfo")
	os.WriteFile(meminfo, []byte("MemTotal:        2097152 kB\nMemFree:          524288 kB\nMemAvailable:    1048576 kB\n"), 0o644)
	defer func(old string) { runner.MemInfo = old }(runner.MemInfo)
	runner.MemInfo = meminfo // a 1 GiB machine
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			start := time.Now()
			code, out, errs := e.run(context.Background(), "-config", smoke, "-set", tc.set, "-no-report", "-quiet")
			// A hang guard, not a speed target: without the size check the runner allocated until the
			// machine ran out of memory.
			if took := time.Since(start); took > 60*time.Second {
				t.Errorf("took %v; the size check should refuse before building", took)
			}
			if code != ExitFailed || !strings.Contains(errs, tc.want) || strings.Contains(out+errs, "goroutine ") {
				t.Fatalf("exit %d; want %d with %q and no stack\nstdout:\n%s\nstderr:\n%s", code, ExitFailed, tc.want, out, errs)
			}
			for _, r := range e.runs("smoke") {
				if r.Status != tracking.Failed {
					t.Errorf("run %s is %s, want FAILED", r.ID, r.Status)
				}
			}
		})
	}
}

// Issue 15 case 5: a panic inside one trial of a -j 2 sweep marks that run FAILED with a one-line error,
// and the sibling trial finishes (never left RUNNING).
func TestPanicInOneTrialUnderJ2(t *testing.T) {
	t.Setenv(fault.EnvVar, fault.TrialStart+"=panic") // the first trial to start panics
	e := newEnv(t)
	code, out, errs := e.run(context.Background(), "-config", smoke, "-j", "2", "-no-report", "-quiet",
		"-set", "sweep.grid.model.aux.enabled=[true,false]")
	if code != ExitFailed || strings.Contains(out+errs, "goroutine ") || !strings.Contains(errs, "injected panic") {
		t.Fatalf("exit %d; want %d, the panic as one line, no stack\nstdout:\n%s\nstderr:\n%s", code, ExitFailed, out, errs)
	}
	status := map[tracking.Status]int{}
	for _, r := range e.runs("smoke") {
		status[r.Status]++
	}
	if status[tracking.Failed] != 1 || status[tracking.Finished] != 1 || status[tracking.Running] != 0 {
		t.Fatalf("statuses %v, want one FAILED and one FINISHED", status)
	}
}
