package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"inceptionlab/internal/fault"
	"inceptionlab/model"
	"inceptionlab/tracking"
)

// The fault-injection suite: the runner as a real process, killed with SIGKILL at chosen points (in a
// checkpoint write, between a checkpoint and its database record, inside the epoch transaction, at trial
// start) and at random moments, then rerun; after every step the invariants of the README's "What
// survives what" table must hold. It takes about a minute on 2 cores, so it runs in CI (go test ./...)
// and is skipped under -short.

// crashEnv is one scenario's folders: everything the runner writes must land under out.
type crashEnv struct {
	t                *testing.T
	root, out, db    string
	cwd, tmp         string // the runner's working and temp folders, which must stay empty
	args             []string
	expectedFinished int
}

func newCrashEnv(t *testing.T, args ...string) *crashEnv {
	root := t.TempDir()
	c := &crashEnv{t: t, root: root, out: filepath.Join(root, "out"), cwd: filepath.Join(root, "cwd"), tmp: filepath.Join(root, "tmp")}
	c.db = filepath.Join(c.out, "tracking.db")
	for _, d := range []string{c.cwd, c.tmp} {
		os.Mkdir(d, 0o755)
	}
	abs, _ := filepath.Abs(smoke)
	c.args = append([]string{"-config", abs, "-db", c.db, "-out", c.out, "-no-report", "-quiet"}, args...)
	return c
}

func (c *crashEnv) command(faultSpec string, extra ...string) *exec.Cmd {
	var env []string
	if faultSpec != "" {
		env = append(env, fault.EnvVar+"="+faultSpec)
	}
	env = append(env, "TMPDIR="+c.tmp)
	cmd := runnerCommand(env, append(append([]string{}, c.args...), extra...)...)
	cmd.Dir = c.cwd
	return cmd
}

// killed reports whether the process died of SIGKILL.
func killed(cmd *exec.Cmd) bool {
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// complete runs the runner without faults; it must succeed.
func (c *crashEnv) complete() {
	c.t.Helper()
	cmd := c.command("")
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("clean rerun: %v\n%s", err, out)
	}
}

// check asserts the invariants that hold after any crash, once the database is opened again.
func (c *crashEnv) check(final bool) {
	c.t.Helper()
	t := c.t
	st, err := tracking.Open(c.db, tracking.Options{}) // the next open reaps dead runs
	if os.IsNotExist(err) || (err != nil && strings.Contains(err.Error(), "does not exist")) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	runs, err := st.Runs(ctx, tracking.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	finished := map[string]int{}
	for _, r := range runs {
		if r.Status == tracking.Running {
			t.Errorf("run %.8s is RUNNING with no live process after the next open", r.ID)
		}
		if r.Status == tracking.Finished {
			finished[r.Trial]++
		}
		eps, err := st.Epochs(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range eps {
			if e.Epoch != i+1 {
				t.Errorf("run %.8s (%s): epochs %v are not 1..n without gaps or repeats", r.ID, r.Status, epochNumbers(eps))
				break
			}
		}
		if r.Status == tracking.Finished && len(eps) != 2 {
			t.Errorf("FINISHED run %.8s has %d epochs, want 2", r.ID, len(eps))
		}
		arts, err := st.Artifacts(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range arts {
			if !strings.HasPrefix(a.Path, c.out+string(filepath.Separator)) {
				t.Errorf("run %.8s records %s outside -out", r.ID, a.Path)
			}
			if r.Status != tracking.Finished && !final {
				continue // a kill between a checkpoint and its record leaves the file one epoch ahead until the rerun
			}
			b, err := os.ReadFile(a.Path)
			if err != nil {
				t.Errorf("run %.8s (%s) artifact %s: %v", r.ID, r.Status, a.Path, err)
				continue
			}
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != a.SHA256 {
				t.Errorf("run %.8s (%s) artifact %s: sha256 differs from the recorded one", r.ID, r.Status, a.Path)
			}
		}
	}
	for trial, n := range finished {
		if n != 1 {
			t.Errorf("trial %s FINISHED %d times, want once", trial, n)
		}
	}
	checkNoOverlap(t, runs)
	for _, d := range []string{c.cwd, c.tmp} {
		if entries, _ := os.ReadDir(d); len(entries) > 0 {
			t.Errorf("the runner wrote outside -out: %s holds %v", d, entries)
		}
	}
	if entries, _ := os.ReadDir(c.root); len(entries) != 3 {
		t.Errorf("the runner wrote outside -out: %s holds %v", c.root, entries)
	}
	if final {
		if len(finished) != c.expectedFinished {
			t.Errorf("%d trials FINISHED, want %d", len(finished), c.expectedFinished)
		}
		filepath.WalkDir(c.out, func(p string, d os.DirEntry, err error) error {
			switch {
			case err != nil:
			case strings.Contains(d.Name(), ".tmp"):
				t.Errorf("temporary file left: %s", p)
			case strings.HasSuffix(d.Name(), ".safetensors"):
				if _, _, err := model.Load(p); err != nil {
					t.Errorf("checkpoint does not load: %v", err)
				}
			}
			return nil
		})
	}
}

// checkNoOverlap asserts that no two runs of one trial were alive at the same time (start to end, a
// reaped run ending at its last heartbeat).
func checkNoOverlap(t *testing.T, runs []tracking.RunSummary) {
	t.Helper()
	for i, a := range runs {
		for _, b := range runs[i+1:] {
			if a.Experiment != b.Experiment || a.Trial != b.Trial || a.ConfigHash != b.ConfigHash {
				continue
			}
			if a.Start.Before(b.End) && b.Start.Before(a.End) {
				t.Errorf("runs %.8s and %.8s of trial %s were RUNNING at the same time (%v-%v, %v-%v): trained twice",
					a.ID, b.ID, a.Trial, a.Start, a.End, b.Start, b.End)
			}
		}
	}
}

func TestFaultInjectionKillAtPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("fault-injection suite: about a minute")
	}
	// smoke trains 2 epochs: checkpoint writes are best+last of epoch 1, then last (and best when it
	// improves) of epoch 2; each point is hit once per epoch otherwise.
	points := []string{
		fault.TrialStart,
		fault.CheckpointWrite + "@1", fault.CheckpointWrite + "@2", fault.CheckpointWrite + "@3",
		fault.AfterCheckpoint + "@1", fault.AfterCheckpoint + "@2",
		fault.EpochTransaction + "@1", fault.EpochTransaction + "@2",
		fault.AfterCheckpoint + "@1," + fault.AfterCheckpoint + "@2", // same process: only the first fires
	}
	for _, p := range points {
		t.Run(p, func(t *testing.T) {
			c := newCrashEnv(t)
			c.expectedFinished = 1
			cmd := c.command(p)
			out, _ := cmd.CombinedOutput()
			if !killed(cmd) {
				t.Fatalf("fault %s did not kill the runner: %v\n%s", p, cmd.ProcessState, out)
			}
			c.check(false)
			// A second kill at the same point of the resumed run, then a clean finish.
			cmd = c.command(p)
			cmd.CombinedOutput()
			c.check(false)
			c.complete()
			c.check(true)
		})
	}
}

func TestFaultInjectionRandomKills(t *testing.T) {
	if testing.Short() {
		t.Skip("fault-injection suite: about a minute")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 15))
	for round := range 3 {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) {
			c := newCrashEnv(t, "-set", "sweep.grid.model.aux.enabled=[true,false]", "-j", "2")
			c.expectedFinished = 2
			for range 4 {
				cmd := c.command("")
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Duration(150+rng.IntN(2500)) * time.Millisecond)
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
				c.check(false)
			}
			c.complete()
			c.check(true)
		})
	}
}

// Several runners over one sweep at once (a -j 2 sweep beside -trial-index runners, one of them killed
// at random): every trial is trained by one live process at a time and finishes exactly once; a runner
// that finds a trial claimed exits 75.
func TestFaultInjectionConcurrentRunners(t *testing.T) {
	if testing.Short() {
		t.Skip("fault-injection suite: about a minute")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 16))
	for round := range 2 {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) {
			c := newCrashEnv(t, "-set", "sweep.grid.model.aux.enabled=[true,false]")
			c.expectedFinished = 2
			cmds := []*exec.Cmd{c.command("", "-j", "2"), c.command("", "-trial-index", "0"),
				c.command("", "-trial-index", "1"), c.command("", "-j", "2")}
			for _, cmd := range cmds {
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
			}
			victim := cmds[rng.IntN(len(cmds))]
			time.Sleep(time.Duration(300+rng.IntN(1500)) * time.Millisecond)
			victim.Process.Signal(syscall.SIGKILL)
			for _, cmd := range cmds {
				cmd.Wait()
				code := cmd.ProcessState.ExitCode()
				if cmd != victim && !slices.Contains([]int{ExitOK, ExitBusy}, code) {
					t.Errorf("runner %v: exit %d, want 0 or %d", cmd.Args[1:], code, ExitBusy)
				}
			}
			c.check(false)
			c.complete()
			c.check(true)
		})
	}
}
