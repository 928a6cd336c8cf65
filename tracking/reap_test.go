package tracking

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// deadPID returns the id of a process that has exited and been waited for.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestReapOnOpen(t *testing.T) {
	host, _ := os.Hostname()
	c := newClock()
	path := tempDB(t)
	s, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	start := func(trial, host string, pid int) *Run {
		ri := info("e", trial)
		ri.Host, ri.PID = host, pid
		return mustStart(t, s, ri)
	}
	gone := start("gone", host, deadPID(t))
	liveHere := start("live-here", host, os.Getpid())
	c.Advance(90 * time.Second)
	liveElsewhere := start("live-elsewhere", "other-host", 4242)
	staleElsewhere := start("stale-elsewhere", "other-host", 4243)
	staleHere := start("stale-here", host, os.Getpid())
	mustLog(t, liveHere, epoch(0, 0.5))
	c.Advance(DefaultStaleAfter + time.Second)
	mustLog(t, liveElsewhere, epoch(0, 0.5))
	s.Close()

	s, err = Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		run        *Run
		wantStatus Status
		wantError  string
	}{
		{gone, Failed, ReasonProcessGone},
		{liveHere, Failed, ReasonHeartbeatLost}, // its last heartbeat is older than StaleAfter
		{liveElsewhere, Running, ""},
		{staleElsewhere, Failed, ReasonHeartbeatLost},
		{staleHere, Failed, ReasonHeartbeatLost},
	}
	for _, tt := range tests {
		got, err := s.Run(ctx, tt.run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tt.wantStatus || got.Error != tt.wantError {
			t.Errorf("run %s: %s %q, want %s %q", got.Trial, got.Status, got.Error, tt.wantStatus, tt.wantError)
		}
		if tt.wantStatus == Failed && !got.End.Equal(got.Heartbeat) {
			t.Errorf("run %s: end %v, want its last heartbeat %v", got.Trial, got.End, got.Heartbeat)
		}
	}
	// The reaped run's owner learns on its next write.
	if err := staleHere.LogEpoch(ctx, epoch(1, 0.1)); err == nil {
		t.Fatal("LogEpoch on a reaped run succeeded")
	}
}

func TestReapKeepsFreshLiveRuns(t *testing.T) {
	host, _ := os.Hostname()
	c := newClock()
	s := openMem(t, c)
	ri := info("e", "t")
	ri.Host = host
	r := mustStart(t, s, ri) // this process: alive
	c.Advance(DefaultStaleAfter / 2)
	if n, err := s.Reap(ctx); err != nil || n != 0 {
		t.Fatalf("Reap = %d, %v; want 0", n, err)
	}
	if err := r.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	c.Advance(DefaultStaleAfter / 2)
	if n, _ := s.Reap(ctx); n != 0 {
		t.Fatalf("reaped a run whose heartbeat is fresh")
	}
	c.Advance(DefaultStaleAfter)
	if n, _ := s.Reap(ctx); n != 1 {
		t.Fatalf("Reap = %d, want 1 once the heartbeat is stale", n)
	}
}

func TestStaleAfterOption(t *testing.T) {
	c := newClock()
	path := tempDB(t)
	s, _ := Open(path, Options{Now: c.Now})
	ri := info("e", "t")
	ri.Host = "elsewhere"
	r := mustStart(t, s, ri)
	s.Close()
	c.Advance(10 * time.Minute)
	s, err := Open(path, Options{Now: c.Now, StaleAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.Run(ctx, r.ID); got.Status != Running {
		t.Fatalf("status = %s with StaleAfter 1h after 10m", got.Status)
	}
}
