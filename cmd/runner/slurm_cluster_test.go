package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"inceptionlab/runner/cluster"
	"inceptionlab/tracking"
)

// slurmEnv starts the cluster and makes the array tasks run this test binary as the runner.
func slurmEnv(t *testing.T) (*slurmCluster, *env) {
	t.Helper()
	c := startSlurm(t)
	t.Setenv(runnerEnv, "1")
	old := slurmPoll
	slurmPoll = 200 * time.Millisecond
	t.Cleanup(func() { slurmPoll = old })
	return c, newEnv(t)
}

// TestSlurmSweepSubmitWaitMerge submits a 4-trial smoke sweep as a job array (two tasks at a time),
// waits for it, and checks the merged database and the report; collecting again adds nothing.
func TestSlurmSweepSubmitWaitMerge(t *testing.T) {
	_, e := slurmEnv(t)
	args := []string{"-config", smoke, "-set", "sweep.grid.seed=[1,2,3,4]", "-emit", "slurm",
		"-slurm.cpus", "1", "-slurm.max-parallel", "2", "-slurm.time", "00:10:00", "-submit", "-wait"}
	code, out, errs := e.run(context.Background(), args...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s%s", code, out, errs, taskLogs(e))
	}
	slurmDir := filepath.Join(e.out(), "smoke", "slurm")
	script, err := os.ReadFile(filepath.Join(slurmDir, "sweep.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "#SBATCH --array=0-3%2\n") {
		t.Errorf("script does not ask for a 4-task array, 2 at a time:\n%s", script)
	}
	for i := range 4 {
		if _, err := os.Stat(filepath.Join(slurmDir, "shards", fmt.Sprintf("task-%d.db", i))); err != nil {
			t.Errorf("task %d wrote no shard: %v", i, err)
		}
	}
	runs := e.runs("smoke")
	if len(runs) != 4 {
		t.Fatalf("%d runs merged, want 4\n%s", len(runs), out)
	}
	for _, r := range runs {
		if r.Status != tracking.Finished {
			t.Errorf("trial %s: %s (%s)", r.Trial, r.Status, r.Error)
		}
		if got := epochNumbers(e.epochs(r.ID)); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("trial %s: epochs %v, want [1 2]", r.Trial, got)
		}
	}
	if _, err := os.Stat(filepath.Join(e.out(), "smoke", "report.html")); err != nil {
		t.Errorf("no report after -wait: %v", err)
	}
	if n := strings.Count(out, "FINISHED"); n != 4 {
		t.Errorf("the trial table shows %d FINISHED, want 4:\n%s", n, out)
	}

	code, out, errs = e.run(context.Background(), "-config", smoke, "-set", "sweep.grid.seed=[1,2,3,4]", "-collect", "slurm")
	if code != 0 {
		t.Fatalf("collect again: exit %d\n%s\n%s", code, out, errs)
	}
	if n := strings.Count(out, "0 runs added, 0 updated, 0 epochs"); n != 4 {
		t.Errorf("collecting again changed the database:\n%s", out)
	}
	if n := len(e.runs("smoke")); n != 4 {
		t.Errorf("%d runs after collecting again, want 4", n)
	}
}

// TestSlurmRequeueResumesFromCheckpoint stops both tasks of a 2-trial array mid-training, each the way a
// cluster does: task 0 gets the time-limit warning (USR1 to the batch script, which stops the runner and
// requeues the task itself), task 1 is requeued by the controller (as on preemption: SIGTERM, then back
// to the queue). Each requeued task must resume from its checkpoint: its shard holds the KILLED run and a
// FINISHED run resumed from it with every epoch exactly once.
func TestSlurmRequeueResumesFromCheckpoint(t *testing.T) {
	c, e := slurmEnv(t)
	const epochs = 10
	sets := []string{"-config", smoke, "-set", "sweep.grid.seed=[1,2]", "-set", "data.limit=64",
		"-set", fmt.Sprintf("train.epochs=%d", epochs)}
	code, out, errs := e.run(context.Background(), append(sets, "-emit", "slurm", "-slurm.cpus", "1", "-submit")...)
	if code != 0 {
		t.Fatalf("submit: exit %d\n%s\n%s", code, out, errs)
	}
	m := regexp.MustCompile(`submitted job array (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no job id in the output:\n%s", out)
	}
	job := m[1]
	logs := filepath.Join(e.out(), "smoke", "slurm", "logs")
	logOf := func(task int) string {
		data, _ := os.ReadFile(filepath.Join(logs, fmt.Sprintf("%s_%d.out", job, task)))
		return string(data)
	}
	// Interrupt each task once its second epoch is logged. Slurm holds a requeued job for two minutes
	// (BeginTime) so that the node forgets the killed run first: slurmd refuses to launch a job whose
	// credential is from the same second as its last kill. The test releases each requeued task 3 s
	// after seeing it pending, which keeps that guarantee and saves the two minutes.
	interrupt := []func(task string){
		func(task string) { c.slurm("scancel", "--batch", "--signal=USR1", task) },
		func(task string) { c.slurm("scontrol", "requeue", task) },
	}
	var interrupted, released [2]bool
	var pendingSince [2]time.Time
	ok := c.until(3*time.Minute, func() bool {
		for i := range 2 {
			task := fmt.Sprintf("%s_%d", job, i)
			switch {
			case !interrupted[i]:
				if strings.Contains(logOf(i), fmt.Sprintf("epoch 2/%d", epochs)) {
					interrupt[i](task)
					interrupted[i] = true
				}
			case pendingSince[i].IsZero():
				if c.query("squeue", "-h", "-j", task, "-o", "%T %r") == "PENDING BeginTime" {
					pendingSince[i] = time.Now()
				}
			case !released[i] && time.Since(pendingSince[i]) > 3*time.Second:
				c.slurm("scontrol", "update", "jobid="+task, "StartTime=now")
				released[i] = true
			}
		}
		return released[0] && released[1]
	})
	if !ok {
		t.Fatalf("tasks not interrupted and requeued within 3 minutes (interrupted %v, released %v)\n%s", interrupted, released, taskLogs(e))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := cluster.Wait(ctx, job, slurmPoll, io.Discard); err != nil {
		t.Fatalf("waiting for the array: %v\n%s", err, taskLogs(e))
	}
	code, out, errs = e.run(context.Background(), append(sets, "-collect", "slurm")...)
	if code != 0 {
		t.Fatalf("collect: exit %d\n%s\n%s%s", code, out, errs, taskLogs(e))
	}
	if !strings.Contains(logOf(0), "time limit near; requeueing "+job+"_0") {
		t.Errorf("task 0 did not requeue itself after USR1:\n%s", logOf(0))
	}
	for i := range 2 {
		log := logOf(i)
		if !strings.Contains(log, "restart 1") || !strings.Contains(log, "resuming from") {
			t.Errorf("task %d: the log shows no resumed restart:\n%s", i, log)
		}
	}
	byTrial := map[string][]tracking.RunSummary{}
	for _, r := range e.runs("smoke") {
		byTrial[r.Trial] = append(byTrial[r.Trial], r)
	}
	for _, trial := range []string{"seed=1", "seed=2"} {
		var killed, finished *tracking.RunSummary
		for _, r := range byTrial[trial] {
			switch r.Status {
			case tracking.Killed:
				killed = &r
			case tracking.Finished:
				finished = &r
			default:
				t.Errorf("trial %s: unexpected %s run (%s)", trial, r.Status, r.Error)
			}
		}
		if killed == nil || finished == nil || len(byTrial[trial]) != 2 {
			t.Errorf("trial %s: runs %+v, want one KILLED and one FINISHED", trial, byTrial[trial])
			continue
		}
		k := epochNumbers(e.epochs(killed.ID))
		if len(k) < 2 || len(k) >= epochs || !slices.Equal(k, seq(len(k))) {
			t.Errorf("trial %s: the killed run has epochs %v, want 1..k with 2 <= k < %d", trial, k, epochs)
		}
		if finished.ResumedFrom != killed.ID {
			t.Errorf("trial %s: the finished run resumed from %q, want the killed run %q", trial, finished.ResumedFrom, killed.ID)
		}
		if f := epochNumbers(e.epochs(finished.ID)); !slices.Equal(f, seq(epochs)) {
			t.Errorf("trial %s: the finished run has epochs %v, want 1..%d exactly once", trial, f, epochs)
		}
	}
}

// seq returns 1..n.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

// taskLogs returns every task log of the smoke sweep, for failure messages.
func taskLogs(e *env) string {
	files, _ := filepath.Glob(filepath.Join(e.out(), "smoke", "slurm", "logs", "*.out"))
	var b strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "\n== %s\n%s", filepath.Base(f), data)
	}
	return b.String()
}
