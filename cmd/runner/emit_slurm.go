package main

// -emit slurm: an sbatch job-array script, one trial per array task, and -submit / -wait around it.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// slurmFlags are the -slurm.* flags.
type slurmFlags struct {
	partition   string
	time        string
	mem         string
	cpus        int
	maxParallel int
	signalSecs  int
	opts        multiFlag
	bin         string
}

// slurmPoll is how often -wait asks squeue about the array (tests shorten it).
var slurmPoll = 2 * time.Second

func (s *slurmFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.partition, "slurm.partition", "", "Slurm `partition` (default: the cluster's default partition)")
	fs.StringVar(&s.time, "slurm.time", "", "time limit per task, `HH:MM:SS` or D-HH:MM:SS (default: the partition's limit)")
	fs.StringVar(&s.mem, "slurm.mem", "", "memory per task, `size` such as 4G (default: the cluster's default)")
	fs.IntVar(&s.cpus, "slurm.cpus", 0, "CPUs per task, also the runner's -threads (0 = train.threads from the config, else 1)")
	fs.IntVar(&s.maxParallel, "slurm.max-parallel", 0, "at most `K` tasks of the array at once (0 = no limit)")
	fs.IntVar(&s.signalSecs, "slurm.signal-secs", 120, "`seconds` before the time limit at which a task stops after its last complete epoch and requeues itself")
	fs.Var(&s.opts, "slurm.opt", "extra sbatch `option` for the script, e.g. --account=proj or --qos=long (repeatable)")
	fs.StringVar(&s.bin, "slurm.bin", "", "runner `binary` the tasks run, on a path every node sees (default: a copy of this executable in OUT/EXPERIMENT/slurm/bin/runner)")
}

var (
	slurmTimeRe = regexp.MustCompile(`^(?:(\d+)-)?(\d+)(?::(\d{2}))?(?::(\d{2}))?$`)
	slurmMemRe  = regexp.MustCompile(`^\d+[KMGT]?$`)
	slurmOptRe  = regexp.MustCompile(`^--[a-z][a-z-]*(=\S+)?$`)
)

func (s *slurmFlags) validate() error {
	switch {
	case s.cpus < 0:
		return fmt.Errorf("-slurm.cpus must be >= 0, got %d", s.cpus)
	case s.maxParallel < 0:
		return fmt.Errorf("-slurm.max-parallel must be >= 0, got %d", s.maxParallel)
	case s.signalSecs < 1 || s.signalSecs > 65535:
		return fmt.Errorf("-slurm.signal-secs must be in 1..65535, got %d", s.signalSecs)
	case s.mem != "" && !slurmMemRe.MatchString(s.mem):
		return fmt.Errorf("-slurm.mem %q: want a number with an optional unit K, M, G or T, e.g. 4G", s.mem)
	case strings.ContainsAny(s.partition, " \t\n#"):
		return fmt.Errorf("-slurm.partition %q: a partition name has no spaces or #", s.partition)
	}
	for _, o := range s.opts {
		if !slurmOptRe.MatchString(o) {
			return fmt.Errorf("-slurm.opt %q: want one long sbatch option without spaces, e.g. --account=proj", o)
		}
	}
	if s.time != "" {
		secs, err := slurmSeconds(s.time)
		if err != nil {
			return err
		}
		if secs <= s.signalSecs {
			return fmt.Errorf("-slurm.time %s is not longer than -slurm.signal-secs %d: a task would be stopped before it starts", s.time, s.signalSecs)
		}
	}
	return nil
}

// slurmSeconds parses the time limit forms this command accepts: HH:MM:SS, D-HH:MM:SS, D-HH:MM, MM:SS
// and plain minutes (Slurm's own reading of each).
func slurmSeconds(v string) (int, error) {
	m := slurmTimeRe.FindStringSubmatch(v)
	if m == nil {
		return 0, fmt.Errorf("-slurm.time %q: want HH:MM:SS or D-HH:MM:SS, e.g. 04:00:00", v)
	}
	n := func(s string) int { i, _ := strconv.Atoi(s); return i }
	days, a, b, c := n(m[1]), n(m[2]), m[3], m[4]
	switch {
	case m[1] != "" && b == "": // D-HH
		return days*86400 + a*3600, nil
	case m[1] != "" && c == "": // D-HH:MM
		return days*86400 + a*3600 + n(b)*60, nil
	case m[1] != "": // D-HH:MM:SS
		return days*86400 + a*3600 + n(b)*60 + n(c), nil
	case b == "": // MM
		return a * 60, nil
	case c == "": // MM:SS
		return a*60 + n(b), nil
	}
	return a*3600 + n(b)*60 + n(c), nil // HH:MM:SS
}

// slurmScript holds what the sbatch template needs.
type slurmScript struct {
	Experiment, JobName          string
	N, Last, MaxParallel, CPUs   int
	Partition, Time, Mem         string
	Opts                         []string
	SignalSecs                   int
	Chdir, Logs, Shards, Trials  string
	Bin, Config, Out, CollectCmd string
	Sets                         []string
}

var slurmTemplate = template.Must(template.New("sbatch").Funcs(template.FuncMap{"q": shellQuote}).Parse(`#!/bin/bash
# inceptionlab sweep {{.Experiment}}: {{.N}} trials, one per task of this Slurm job array.
# Written by runner -emit slurm; trial index, name and config hash: {{.Trials}}
# Each task trains one trial into its own SQLite shard (never share one SQLite file between writers on a
# network file system). USR1 arrives {{.SignalSecs}} s before the time limit: the runner stops after its
# last complete epoch and the task requeues itself; a requeued or preempted task resumes from its
# checkpoint. When every task is done, merge the shards and write the report:
#   {{.CollectCmd}}
#SBATCH --job-name={{.JobName}}
#SBATCH --array=0-{{.Last}}{{if .MaxParallel}}%{{.MaxParallel}}{{end}}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task={{.CPUs}}
{{- if .Partition}}
#SBATCH --partition={{.Partition}}{{end}}
{{- if .Time}}
#SBATCH --time={{.Time}}{{end}}
{{- if .Mem}}
#SBATCH --mem={{.Mem}}{{end}}
{{- range .Opts}}
#SBATCH {{.}}{{end}}
#SBATCH --chdir={{.Chdir}}
#SBATCH --output={{.Logs}}/%A_%a.out
#SBATCH --open-mode=append
#SBATCH --requeue
#SBATCH --signal=B:USR1@{{.SignalSecs}}
set -u
task="${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a Slurm job array}"
job="${SLURM_ARRAY_JOB_ID}_${task}"
echo "inceptionlab: task $job, restart ${SLURM_RESTART_COUNT:-0}, on $(hostname), $(date -u +%FT%TZ)"
{{q .Bin}} -config {{q .Config}}{{range .Sets}} -set {{q .}}{{end}} -out {{q .Out}} \
  -db {{q .Shards}}/task-"$task".db -trial-index "$task" -threads "${SLURM_CPUS_PER_TASK:-{{.CPUs}}}" -no-report &
child=$!
requeue=0
# USR1 (time limit near): stop the trial after its last complete epoch, then requeue this task.
# TERM (scancel, preemption, scontrol requeue): stop the trial; Slurm decides what follows.
trap 'requeue=1; kill -TERM "$child" 2>/dev/null' USR1
trap 'kill -TERM "$child" 2>/dev/null' TERM
while :; do
  wait "$child"; code=$?
  kill -0 "$child" 2>/dev/null || break
done
if [ "$requeue" = 1 ] && [ "$code" != 0 ]; then
  echo "inceptionlab: time limit near; requeueing $job to resume from its last checkpoint"
  scontrol requeue "$job"
fi
exit "$code"
`))

// emitSlurm writes the sbatch script (and, without -slurm.bin, the runner binary it calls) and returns
// the script's path.
func emitSlurm(plan *sweepPlan, f *flags) (string, error) {
	s := &f.cluster.slurm
	if len(plan.trials) == 0 {
		return "", errors.New("the sweep has no trials")
	}
	cpus := s.cpus
	if cpus == 0 {
		cpus = max(plan.exp.Train.Threads, 1)
	}
	logs := filepath.Join(plan.dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil { // Slurm does not create the --output folder
		return "", fmt.Errorf("creating the log folder: %w", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for _, p := range []struct{ what, path string }{{"-out", plan.out}, {"the working directory", cwd}} {
		if strings.ContainsAny(p.path, " \t\n%#\"'\\") {
			return "", fmt.Errorf("%s %q: #SBATCH lines cannot carry spaces, quotes, %% or # in paths; use a plain path", p.what, p.path)
		}
	}
	bin, err := slurmBinary(plan, s.bin)
	if err != nil {
		return "", err
	}
	plan.bin = bin
	data := slurmScript{
		Experiment: plan.exp.Name, JobName: "inceptionlab-" + plan.exp.Name,
		N: len(plan.trials), Last: len(plan.trials) - 1, MaxParallel: s.maxParallel, CPUs: cpus,
		Partition: s.partition, Time: s.time, Mem: s.mem, Opts: s.opts, SignalSecs: s.signalSecs,
		Chdir: cwd, Logs: logs, Shards: plan.shardDir(), Trials: plan.trialsFile(),
		Bin: bin, Config: plan.config, Out: plan.out, Sets: plan.sets, CollectCmd: plan.collectCommand(f.db),
	}
	var b bytes.Buffer
	if err := slurmTemplate.Execute(&b, data); err != nil {
		return "", fmt.Errorf("slurm script: %w", err)
	}
	path := filepath.Join(plan.dir, "sweep.sbatch")
	if err := writeFileAtomic(path, b.Bytes(), 0o755); err != nil {
		return "", err
	}
	return path, nil
}

// slurmBinary returns the runner binary the script calls: -slurm.bin as given (it must exist), else a
// copy of the running executable in the sweep's bin folder, so the tasks run exactly the binary that
// emitted the script even after a rebuild, and `go run` temporaries are never referenced.
func slurmBinary(plan *sweepPlan, given string) (string, error) {
	if given != "" {
		abs, err := filepath.Abs(given)
		if err != nil {
			return "", fmt.Errorf("-slurm.bin %s: %w", given, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return "", fmt.Errorf("-slurm.bin: %w", err)
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("-slurm.bin %s: not an executable file", abs)
		}
		return abs, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding this executable to copy for the tasks (or pass -slurm.bin): %w", err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		return "", fmt.Errorf("copying this executable for the tasks (or pass -slurm.bin): %w", err)
	}
	dst := filepath.Join(plan.dir, "bin", "runner")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	return dst, writeFileAtomic(dst, data, 0o755)
}

// writeFileAtomic writes data to a temporary file beside path and renames it over path, so a reader
// (or a running task executing the old binary) never sees a half-written file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// emitSlurmAndMaybeSubmit writes the script and, with -submit, submits it; with -wait it then waits for
// the array to leave the queue and collects the shards.
func emitSlurmAndMaybeSubmit(ctx context.Context, plan *sweepPlan, f *flags, stdout, stderr io.Writer) int {
	path, err := emitSlurm(plan, f)
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: Slurm job array, %d trials (list: %s)\n", path, len(plan.trials), plan.trialsFile())
	if !f.cluster.submit {
		fmt.Fprintf(stdout, "submit it: sbatch %s\n", shellQuote(path))
		return 0
	}
	job, err := sbatch(ctx, path)
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 1
	}
	fmt.Fprintf(stdout, "submitted job array %s (logs: %s)\n", job, filepath.Join(plan.dir, "logs", job+"_*.out"))
	if !f.cluster.wait {
		fmt.Fprintf(stdout, "when it is done:\n  %s\n", plan.collectCommand(f.db))
		return 0
	}
	if err := waitSlurm(ctx, job, slurmPoll, stdout); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "runner: stopped waiting; job %s keeps running. When it is done:\n  %s\n", job, plan.collectCommand(f.db))
			return 130
		}
		fmt.Fprintln(stderr, "runner:", err)
		return 1
	}
	return collectAndReport(ctx, plan, f, stdout, stderr)
}

// sbatch submits the script and returns the job id.
func sbatch(ctx context.Context, script string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "sbatch", "--parsable", script)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", errors.New("sbatch not found on PATH: run this on a Slurm login node, or submit the script from one")
		}
		return "", fmt.Errorf("sbatch %s: %v: %s", script, err, strings.TrimSpace(errb.String()))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(out.String()), ";") // "JOBID" or "JOBID;CLUSTER"
	if _, err := strconv.Atoi(id); err != nil {
		return "", fmt.Errorf("sbatch %s: unexpected output %q, want a job id", script, out.String())
	}
	return id, nil
}

// waitSlurm polls squeue until no task of the job is left in the queue (requeued tasks are PENDING, so
// they keep it waiting) and prints the task states whenever they change.
func waitSlurm(ctx context.Context, job string, every time.Duration, stdout io.Writer) error {
	last, failures := "", 0
	for {
		var out, errb bytes.Buffer
		cmd := exec.CommandContext(ctx, "squeue", "-h", "-r", "-j", job, "-o", "%T")
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && strings.Contains(errb.String(), "Invalid job id"):
			return nil // purged from the controller: long finished
		case err != nil:
			if failures++; failures >= 5 {
				return fmt.Errorf("squeue -j %s: %v: %s", job, err, strings.TrimSpace(errb.String()))
			}
		default:
			failures = 0
			states := strings.Fields(out.String())
			if len(states) == 0 {
				fmt.Fprintf(stdout, "job %s: all tasks left the queue\n", job)
				return nil
			}
			if s := countStates(states); s != last {
				fmt.Fprintf(stdout, "job %s: %s\n", job, s)
				last = s
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// countStates summarizes task states in first-seen order: "2 RUNNING, 1 PENDING".
func countStates(states []string) string {
	var order []string
	n := map[string]int{}
	for _, s := range states {
		if n[s] == 0 {
			order = append(order, s)
		}
		n[s]++
	}
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%d %s", n[s], s)
	}
	return strings.Join(parts, ", ")
}
