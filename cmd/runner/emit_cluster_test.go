package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"inceptionlab/tracking"
)

const seeds4 = "sweep.grid.seed=[1,2,3,4]"

func TestEmitSlurmScript(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		want    []string
		notWant []string
	}{
		{
			name: "defaults",
			want: []string{"#SBATCH --array=0-3\n", "#SBATCH --cpus-per-task=1\n", "#SBATCH --requeue\n",
				"#SBATCH --signal=B:USR1@120\n", "#SBATCH --open-mode=append\n", "/smoke/slurm/logs/%A_%a.out\n",
				"-set 'sweep.grid.seed=[1,2,3,4]'", `-trial-index "$task"`, "/smoke/slurm/shards/task-\"$task\".db",
				"-no-report &", `scontrol requeue "$job"`, "/smoke/slurm/bin/runner -config "},
			notWant: []string{"--partition", "--time", "--mem", "%2\n"},
		},
		{
			name: "every option",
			args: []string{"-slurm.partition", "gpu", "-slurm.time", "1-02:00:00", "-slurm.cpus", "8",
				"-slurm.max-parallel", "2", "-slurm.mem", "16G", "-slurm.signal-secs", "300",
				"-slurm.opt", "--account=proj", "-slurm.opt", "--qos=long"},
			want: []string{"#SBATCH --array=0-3%2\n", "#SBATCH --partition=gpu\n", "#SBATCH --time=1-02:00:00\n",
				"#SBATCH --cpus-per-task=8\n", "#SBATCH --mem=16G\n", "#SBATCH --account=proj\n",
				"#SBATCH --qos=long\n", "#SBATCH --signal=B:USR1@300\n", `"${SLURM_CPUS_PER_TASK:-8}"`},
		},
		{
			name: "cpus from train.threads",
			args: []string{"-set", "train.threads=3"},
			want: []string{"#SBATCH --cpus-per-task=3\n"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			args := append([]string{"-config", smoke, "-set", seeds4, "-emit", "slurm"}, tc.args...)
			code, out, errs := e.run(context.Background(), args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			dir := filepath.Join(e.out(), "smoke", "slurm")
			script, err := os.ReadFile(filepath.Join(dir, "sweep.sbatch"))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(script), w) {
					t.Errorf("script lacks %q:\n%s", w, script)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(string(script), w) {
					t.Errorf("script contains %q:\n%s", w, script)
				}
			}
			if i, j := strings.LastIndex(string(script), "#SBATCH"), strings.Index(string(script), "set -u"); i > j {
				t.Errorf("an #SBATCH line follows the first command; sbatch would ignore it")
			}
			if _, err := exec.LookPath("bash"); err == nil {
				if out, err := exec.Command("bash", "-n", filepath.Join(dir, "sweep.sbatch")).CombinedOutput(); err != nil {
					t.Errorf("bash -n: %v\n%s", err, out)
				}
			}
			trials, _ := os.ReadFile(filepath.Join(dir, "trials.tsv"))
			if lines := strings.Split(strings.TrimSpace(string(trials)), "\n"); len(lines) != 5 || !strings.HasPrefix(lines[4], "3\tseed=4\t") {
				t.Errorf("trials.tsv:\n%s", trials)
			}
			self, _ := os.Executable()
			a, errA := os.Stat(self)
			b, errB := os.Stat(filepath.Join(dir, "bin", "runner"))
			if errA != nil || errB != nil || a.Size() != b.Size() || b.Mode()&0o111 == 0 {
				t.Errorf("bin/runner is not an executable copy of this binary: %v %v", errA, errB)
			}
			if !strings.Contains(out, "sbatch "+filepath.Join(dir, "sweep.sbatch")) {
				t.Errorf("output does not say how to submit:\n%s", out)
			}
		})
	}
}

func TestEmitSlurmWithGivenBinary(t *testing.T) {
	e := newEnv(t)
	bin := filepath.Join(e.dir, "runner-v1")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := e.run(context.Background(), "-config", smoke, "-emit", "slurm", "-slurm.bin", bin); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	script, _ := os.ReadFile(filepath.Join(e.out(), "smoke", "slurm", "sweep.sbatch"))
	if !strings.Contains(string(script), "\n"+bin+" -config ") {
		t.Errorf("script does not call %s:\n%s", bin, script)
	}
	if _, err := os.Stat(filepath.Join(e.out(), "smoke", "slurm", "bin")); err == nil {
		t.Error("-slurm.bin given, yet the executable was copied")
	}
}

// fakeSlurmTask runs the emitted script as Slurm would start array task 1 of job 7, with this test
// binary as the runner and a fake scontrol that records its arguments.
type fakeSlurmTask struct {
	cmd      *exec.Cmd
	log      *syncBuffer
	scontrol string // file the fake scontrol appends its arguments to
}

func startFakeSlurmTask(t *testing.T, e *env, extra ...string) *fakeSlurmTask {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	args := append([]string{"-config", smoke, "-set", "sweep.grid.seed=[1,2]", "-emit", "slurm"}, extra...)
	if code, out, errs := e.run(context.Background(), args...); code != 0 {
		t.Fatalf("emit: exit %d\n%s\n%s", code, out, errs)
	}
	fake := filepath.Join(e.dir, "fakebin")
	os.MkdirAll(fake, 0o755)
	record := filepath.Join(e.dir, "scontrol.args")
	if err := os.WriteFile(filepath.Join(fake, "scontrol"), []byte("#!/bin/sh\necho \"$@\" >> "+record+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	task := &fakeSlurmTask{log: &syncBuffer{}, scontrol: record}
	task.cmd = exec.Command("bash", filepath.Join(e.out(), "smoke", "slurm", "sweep.sbatch"))
	task.cmd.Env = append(os.Environ(), runnerEnv+"=1", "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_JOB_ID=7",
		"SLURM_CPUS_PER_TASK=1", "PATH="+fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	task.cmd.Stdout, task.cmd.Stderr = task.log, task.log
	if err := task.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return task
}

// syncBuffer is a bytes.Buffer safe for the writes of a child process and the reads of the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func shardRuns(t *testing.T, path string) []tracking.RunSummary {
	t.Helper()
	st, err := tracking.Open(path, tracking.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs, err := st.Runs(context.Background(), tracking.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// The script alone (no Slurm): task 1 trains trial 1 into its shard and exits 0.
func TestSlurmScriptTrainsItsTrial(t *testing.T) {
	e := newEnv(t)
	task := startFakeSlurmTask(t, e)
	if err := task.cmd.Wait(); err != nil {
		t.Fatalf("script: %v\n%s", err, task.log)
	}
	runs := shardRuns(t, filepath.Join(e.out(), "smoke", "slurm", "shards", "task-1.db"))
	if len(runs) != 1 || runs[0].Trial != "seed=2" || runs[0].Status != tracking.Finished {
		t.Fatalf("shard runs %+v, want trial seed=2 FINISHED\n%s", runs, task.log)
	}
	if _, err := os.Stat(task.scontrol); err == nil {
		t.Error("a finished task called scontrol")
	}
	if !strings.Contains(task.log.String(), "task 7_1, restart 0") {
		t.Errorf("log lacks the task banner:\n%s", task.log)
	}
}

// USR1 (the time-limit warning) reaches the runner as SIGTERM; the trial is KILLED after a complete
// epoch and the script requeues its own task.
func TestSlurmScriptRequeuesOnUSR1(t *testing.T) {
	e := newEnv(t)
	task := startFakeSlurmTask(t, e, "-set", "train.epochs=30", "-set", "data.limit=32")
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(task.log.String(), "epoch 1/30") {
		if time.Now().After(deadline) {
			task.cmd.Process.Kill()
			t.Fatalf("no epoch within a minute:\n%s", task.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	task.cmd.Process.Signal(syscall.SIGUSR1)
	err := task.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("script exit %v, want 130 (the runner's interrupted code)\n%s", err, task.log)
	}
	args, _ := os.ReadFile(task.scontrol)
	if strings.TrimSpace(string(args)) != "requeue 7_1" {
		t.Errorf("scontrol called with %q, want requeue 7_1\n%s", args, task.log)
	}
	runs := shardRuns(t, filepath.Join(e.out(), "smoke", "slurm", "shards", "task-1.db"))
	if len(runs) != 1 || runs[0].Status != tracking.Killed || runs[0].Epochs < 1 {
		t.Fatalf("shard runs %+v, want one KILLED run with at least one epoch\n%s", runs, task.log)
	}
}

// TERM (scancel) stops the trial too, but the task must not requeue itself.
func TestSlurmScriptTermDoesNotRequeue(t *testing.T) {
	e := newEnv(t)
	task := startFakeSlurmTask(t, e, "-set", "train.epochs=30", "-set", "data.limit=32")
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(task.log.String(), "epoch 1/30") {
		if time.Now().After(deadline) {
			task.cmd.Process.Kill()
			t.Fatalf("no epoch within a minute:\n%s", task.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	task.cmd.Process.Signal(syscall.SIGTERM)
	task.cmd.Wait()
	if _, err := os.Stat(task.scontrol); err == nil {
		t.Error("scancel'd task requeued itself")
	}
	runs := shardRuns(t, filepath.Join(e.out(), "smoke", "slurm", "shards", "task-1.db"))
	if len(runs) != 1 || runs[0].Status != tracking.Killed {
		t.Fatalf("shard runs %+v, want one KILLED run\n%s", runs, task.log)
	}
}

func TestClusterFlagErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown engine", []string{"-emit", "pbs"}, `-emit "pbs": unknown engine; valid: slurm, k8s`},
		{"unknown collect engine", []string{"-collect", "lsf"}, `-collect "lsf": unknown engine`},
		{"emit and collect", []string{"-emit", "slurm", "-collect", "slurm"}, "-emit and -collect are exclusive"},
		{"submit without slurm", []string{"-emit", "k8s", "-submit"}, "-submit needs -emit slurm"},
		{"wait without submit", []string{"-emit", "slurm", "-wait"}, "-wait needs -submit"},
		{"trial index", []string{"-emit", "slurm", "-trial-index", "0"}, "cannot be combined with -emit"},
		{"list", []string{"-emit", "k8s", "-list-trials"}, "-list-trials cannot be combined"},
		{"jobs", []string{"-collect", "slurm", "-j", "2"}, "-j cannot be combined"},
		{"bad time", []string{"-emit", "slurm", "-slurm.time", "2h"}, `-slurm.time "2h": want HH:MM:SS`},
		{"time under signal", []string{"-emit", "slurm", "-slurm.time", "00:01:00"}, "not longer than -slurm.signal-secs 120"},
		{"bad mem", []string{"-emit", "slurm", "-slurm.mem", "lots"}, `-slurm.mem "lots"`},
		{"bad opt", []string{"-emit", "slurm", "-slurm.opt", "--account=a b"}, `-slurm.opt "--account=a b"`},
		{"bad cpus", []string{"-emit", "slurm", "-slurm.cpus", "-1"}, "-slurm.cpus must be >= 0"},
		{"missing bin", []string{"-emit", "slurm", "-slurm.bin", "/nonexistent/runner"}, "-slurm.bin"},
		{"bad pvc", []string{"-emit", "k8s", "-k8s.pvc", "My_PVC"}, `-k8s.pvc "My_PVC"`},
		{"bad memory", []string{"-emit", "k8s", "-k8s.memory", "4 GB"}, `-k8s.memory "4 GB"`},
		{"bad namespace", []string{"-emit", "k8s", "-k8s.namespace", "ML"}, `-k8s.namespace "ML"`},
		{"bad retries", []string{"-emit", "k8s", "-k8s.retries", "-1"}, "-k8s.retries must be >= 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			code, out, errs := e.run(context.Background(), append([]string{"-config", smoke}, tc.args...)...)
			if code == 0 {
				t.Fatalf("exit 0, want failure\n%s", out)
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q does not contain %q", errs, tc.want)
			}
		})
	}
}

func TestCollectReportsMissingAndCorruptShards(t *testing.T) {
	e := newEnv(t)
	args := []string{"-config", smoke, "-set", seeds4, "-collect", "slurm"}
	code, out, errs := e.run(context.Background(), args...)
	if code != 1 || strings.Count(out, "no shard") != 4 || !strings.Contains(errs, "0 of 4 trials FINISHED") {
		t.Fatalf("collect with no shards: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Count(out, "NO RUN") != 4 {
		t.Errorf("the table does not show 4 trials without a run:\n%s", out)
	}

	shards := filepath.Join(e.out(), "smoke", "slurm", "shards")
	os.MkdirAll(shards, 0o755)
	if err := os.WriteFile(filepath.Join(shards, "task-2.db"), []byte("not a database at all, just text"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = e.run(context.Background(), args...)
	if code != 1 || !strings.Contains(errs, "task-2.db") || !strings.Contains(errs, "task 2 (seed=3)") {
		t.Fatalf("corrupt shard: exit %d, stderr does not name task 2 and its file\n%s\n%s", code, out, errs)
	}
	if n := len(e.runs("smoke")); n != 0 {
		t.Errorf("%d runs in the database after a failed merge, want 0", n)
	}
}
