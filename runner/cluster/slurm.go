package cluster

// Slurm: an sbatch job-array script, one trial per array task, and Submit / Wait around it.

import (
	"bytes"
	"context"
	"errors"
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

// SlurmOptions are the sbatch settings of an emitted script (the runner's -slurm.* flags).
type SlurmOptions struct {
	Partition   string   // "" = the cluster's default partition
	Time        string   // time limit per task, HH:MM:SS or D-HH:MM:SS; "" = the partition's limit
	Mem         string   // memory per task such as 4G; "" = the cluster's default
	CPUs        int      // CPUs per task, also the runner's -threads (0 = train.threads, else 1)
	MaxParallel int      // at most this many tasks at once (0 = no limit)
	SignalSecs  int      // seconds before the time limit at which a task stops and requeues itself
	Opts        []string // extra long sbatch options, e.g. --account=proj
	Bin         string   // runner binary on a path every node sees ("" = a copy of this executable)
}

// DefaultSlurmOptions are the defaults of the runner's -slurm.* flags.
func DefaultSlurmOptions() SlurmOptions { return SlurmOptions{SignalSecs: 120} }

var (
	slurmTimeRe = regexp.MustCompile(`^(?:(\d+)-)?(\d+)(?::(\d{2}))?(?::(\d{2}))?$`)
	slurmMemRe  = regexp.MustCompile(`^\d+[KMGT]?$`)
	slurmOptRe  = regexp.MustCompile(`^--[a-z][a-z-]*(=\S+)?$`)
)

// Validate checks the options; errors name the runner flag.
func (s SlurmOptions) Validate() error {
	switch {
	case s.CPUs < 0:
		return fmt.Errorf("-slurm.cpus must be >= 0, got %d", s.CPUs)
	case s.MaxParallel < 0:
		return fmt.Errorf("-slurm.max-parallel must be >= 0, got %d", s.MaxParallel)
	case s.SignalSecs < 1 || s.SignalSecs > 65535:
		return fmt.Errorf("-slurm.signal-secs must be in 1..65535, got %d", s.SignalSecs)
	case s.Mem != "" && !slurmMemRe.MatchString(s.Mem):
		return fmt.Errorf("-slurm.mem %q: want a number with an optional unit K, M, G or T, e.g. 4G", s.Mem)
	case strings.ContainsAny(s.Partition, " \t\n#"):
		return fmt.Errorf("-slurm.partition %q: a partition name has no spaces or #", s.Partition)
	}
	for _, o := range s.Opts {
		if !slurmOptRe.MatchString(o) {
			return fmt.Errorf("-slurm.opt %q: want one long sbatch option without spaces, e.g. --account=proj", o)
		}
	}
	if s.Time != "" {
		secs, err := slurmSeconds(s.Time)
		if err != nil {
			return err
		}
		if secs <= s.SignalSecs {
			return fmt.Errorf("-slurm.time %s is not longer than -slurm.signal-secs %d: a task would be stopped before it starts", s.Time, s.SignalSecs)
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

var slurmTemplate = template.Must(template.New("sbatch").Funcs(template.FuncMap{"q": ShellQuote}).Parse(`#!/bin/bash
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

// EmitSlurm writes the sbatch script (and, without o.Bin, the runner binary it calls) into p.Dir and
// returns the script's path; db is the database the printed collect command merges into. It sets p.Bin.
func EmitSlurm(p *Plan, o SlurmOptions, db string) (string, error) {
	s := o
	plan := p
	if len(plan.Trials) == 0 {
		return "", errors.New("the sweep has no trials")
	}
	cpus := s.CPUs
	if cpus == 0 {
		cpus = max(plan.Exp.Train.Threads, 1)
	}
	logs := filepath.Join(plan.Dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil { // Slurm does not create the --output folder
		return "", fmt.Errorf("creating the log folder: %w", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for _, p := range []struct{ what, path string }{{"-out", plan.Out}, {"the working directory", cwd}} {
		if strings.ContainsAny(p.path, " \t\n%#\"'\\") {
			return "", fmt.Errorf("%s %q: #SBATCH lines cannot carry spaces, quotes, %% or # in paths; use a plain path", p.what, p.path)
		}
	}
	bin, err := slurmBinary(plan, s.Bin)
	if err != nil {
		return "", err
	}
	plan.Bin = bin
	data := slurmScript{
		Experiment: plan.Exp.Name, JobName: "inceptionlab-" + plan.Exp.Name,
		N: len(plan.Trials), Last: len(plan.Trials) - 1, MaxParallel: s.MaxParallel, CPUs: cpus,
		Partition: s.Partition, Time: s.Time, Mem: s.Mem, Opts: s.Opts, SignalSecs: s.SignalSecs,
		Chdir: cwd, Logs: logs, Shards: plan.ShardDir(), Trials: plan.TrialsFile(),
		Bin: bin, Config: plan.Config, Out: plan.Out, Sets: plan.Sets, CollectCmd: plan.CollectCommand(db),
	}
	var b bytes.Buffer
	if err := slurmTemplate.Execute(&b, data); err != nil {
		return "", fmt.Errorf("slurm script: %w", err)
	}
	path := filepath.Join(plan.Dir, "sweep.sbatch")
	if err := writeFileAtomic(path, b.Bytes(), 0o755); err != nil {
		return "", err
	}
	return path, nil
}

// slurmBinary returns the runner binary the script calls: -slurm.bin as given (it must exist), else a
// copy of the running executable in the sweep's bin folder, so the tasks run exactly the binary that
// emitted the script even after a rebuild, and `go run` temporaries are never referenced.
func slurmBinary(plan *Plan, given string) (string, error) {
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
	dst := filepath.Join(plan.Dir, "bin", "runner")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	return dst, writeFileAtomic(dst, data, 0o755)
}

// Submit submits the script with sbatch and returns the job id.
func Submit(ctx context.Context, script string) (string, error) {
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

// Wait polls squeue every interval until no task of the job is left in the queue (requeued tasks are
// PENDING, so they keep it waiting) and prints the task states to w whenever they change.
func Wait(ctx context.Context, job string, every time.Duration, stdout io.Writer) error {
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
