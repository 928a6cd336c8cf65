package main

// Handing a sweep to a cluster engine: the pieces -emit slurm, -emit k8s and -collect share. Each array
// task (Slurm) or indexed pod (Kubernetes) runs `runner -trial-index I` for one trial of the expanded sweep
// and writes its own shard database; -collect (and -submit -wait) folds the shards into -db with the
// tracking store's Merge and writes the report.
//
// Layout under the output folder (a file system every node shares):
//
//	<out>/<experiment>/<engine>/           engine is slurm or k8s
//	    sweep.sbatch | job.yaml            the emitted script or manifest
//	    trials.tsv                         index, name and config hash of every trial, as -list-trials
//	    shards/task-<I>.db                 one SQLite database per task
//	    logs/<job>_<I>.out                 (Slurm) one log per task, appended across requeues
//	    bin/runner                         (Slurm) the runner binary the tasks execute
//	<out>/<experiment>/<trial>-<hash8>/    trial folders and checkpoints, as for a local run

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"inceptionlab/cmd/internal/wire"
	"inceptionlab/experiments"
	"inceptionlab/tracking"
)

// Engines -emit and -collect accept.
const (
	engineSlurm = "slurm"
	engineK8s   = "k8s"
)

var engines = []string{engineSlurm, engineK8s}

// clusterFlags are the flags of -emit, -submit, -wait and -collect.
type clusterFlags struct {
	emit, collect string
	submit, wait  bool
	slurm         slurmFlags
	k8s           k8sFlags
}

func (c *clusterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.emit, "emit", "", "write a cluster job for the sweep instead of training: `engine` slurm (sbatch array script) or k8s (Indexed Job)")
	fs.BoolVar(&c.submit, "submit", false, "with -emit slurm: submit the script with sbatch")
	fs.BoolVar(&c.wait, "wait", false, "with -submit: wait for the array to finish, then merge the shards into -db and write the report")
	fs.StringVar(&c.collect, "collect", "", "merge the shard databases of an emitted `engine` (slurm or k8s) into -db and write the report")
	c.slurm.register(fs)
	c.k8s.register(fs)
}

// validate checks the cluster flags against each other and against the rest of the command line.
func (c *clusterFlags) validate(f *flags) error {
	for _, e := range []struct{ flag, v string }{{"-emit", c.emit}, {"-collect", c.collect}} {
		if e.v != "" && e.v != engineSlurm && e.v != engineK8s {
			return fmt.Errorf("%s %q: unknown engine; valid: %s", e.flag, e.v, strings.Join(engines, ", "))
		}
	}
	mode := c.emit != "" || c.collect != ""
	switch {
	case c.emit != "" && c.collect != "":
		return errors.New("-emit and -collect are exclusive: emit (and -submit -wait) first, or collect an emitted sweep")
	case c.submit && c.emit != engineSlurm:
		return errors.New("-submit needs -emit slurm (apply a k8s manifest with kubectl apply -f)")
	case c.wait && !c.submit:
		return errors.New("-wait needs -submit (to wait for a job submitted earlier, use -collect slurm once it ended)")
	case mode && f.list:
		return errors.New("-list-trials cannot be combined with -emit or -collect")
	case mode && (f.trial != "" || f.index >= 0):
		return errors.New("-trial and -trial-index cannot be combined with -emit or -collect: the job runs every trial, one per task")
	case mode && f.jobs != 1:
		return errors.New("-j cannot be combined with -emit or -collect: the cluster runs one trial per task (see -slurm.max-parallel, -k8s.parallelism)")
	}
	if c.emit == engineSlurm {
		if err := c.slurm.validate(); err != nil {
			return err
		}
	}
	if c.emit == engineK8s {
		if err := c.k8s.validate(); err != nil {
			return err
		}
	}
	return nil
}

// sweepPlan is an expanded sweep ready to hand to an engine.
type sweepPlan struct {
	exp    *experiments.Experiment
	trials []experiments.Trial
	config string   // absolute path of the config file
	sets   []string // the -set overrides, passed on to every task
	out    string   // absolute output folder
	dir    string   // <out>/<experiment>/<engine>
	engine string
	bin    string // the runner command shown in printed command lines
}

func newSweepPlan(exp *experiments.Experiment, f *flags, engine string) (*sweepPlan, error) {
	trials, err := exp.Trials()
	if err != nil {
		return nil, err
	}
	config, err := filepath.Abs(f.config)
	if err != nil {
		return nil, fmt.Errorf("config path %s: %w", f.config, err)
	}
	out, err := filepath.Abs(f.out)
	if err != nil {
		return nil, fmt.Errorf("-out %s: %w", f.out, err)
	}
	return &sweepPlan{exp: exp, trials: trials, config: config, sets: f.sets, out: out,
		dir: filepath.Join(out, exp.Name, engine), engine: engine, bin: "runner"}, nil
}

func (p *sweepPlan) shardDir() string { return filepath.Join(p.dir, "shards") }

// shard is the database trial index i writes.
func (p *sweepPlan) shard(i int) string {
	return filepath.Join(p.shardDir(), "task-"+strconv.Itoa(i)+".db")
}

func (p *sweepPlan) trialsFile() string { return filepath.Join(p.dir, "trials.tsv") }

// prepare creates the engine folder with shards/ and writes trials.tsv.
func (p *sweepPlan) prepare() error {
	if err := os.MkdirAll(p.shardDir(), 0o755); err != nil {
		return fmt.Errorf("creating the shard folder: %w", err)
	}
	var b strings.Builder
	b.WriteString("index\ttrial\thash\n")
	for _, t := range p.trials {
		fmt.Fprintf(&b, "%d\t%s\t%s\n", t.Index, t.Name, t.Hash)
	}
	if err := os.WriteFile(p.trialsFile(), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing the trial list: %w", err)
	}
	return nil
}

// collectCommand is the command line that merges this plan's shards later.
func (p *sweepPlan) collectCommand(db string) string {
	if abs, err := filepath.Abs(db); err == nil {
		db = abs
	}
	args := []string{p.bin, "-config", p.config}
	for _, s := range p.sets {
		args = append(args, "-set", s)
	}
	args = append(args, "-out", p.out, "-db", db, "-collect", p.engine)
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}

// runCluster dispatches -emit and -collect.
func runCluster(ctx context.Context, exp *experiments.Experiment, f *flags, stdout, stderr io.Writer) int {
	engine := f.cluster.emit
	if engine == "" {
		engine = f.cluster.collect
	}
	plan, err := newSweepPlan(exp, f, engine)
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 2
	}
	if f.cluster.collect != "" {
		return collectAndReport(ctx, plan, f, stdout, stderr)
	}
	if err := plan.prepare(); err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 1
	}
	if engine == engineK8s {
		path, err := emitK8s(plan, &f.cluster.k8s)
		if err != nil {
			fmt.Fprintln(stderr, "runner:", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s: Kubernetes Indexed Job, %d trials (list: %s)\n", path, len(plan.trials), plan.trialsFile())
		fmt.Fprintf(stdout, "run it:   kubectl apply -f %s\n", shellQuote(path))
		fmt.Fprintf(stdout, "then, with the volume mounted at %s here:\n  %s\n", plan.out, plan.collectCommand(f.db))
		return 0
	}
	return emitSlurmAndMaybeSubmit(ctx, plan, f, stdout, stderr)
}

// collectAndReport merges every task's shard into -db, prints each trial's outcome and writes the report.
// It exits 0 only when every trial has a FINISHED run.
func collectAndReport(ctx context.Context, plan *sweepPlan, f *flags, stdout, stderr io.Writer) int {
	st, err := openStore(f.db)
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 1
	}
	defer st.Close()
	ctx = context.WithoutCancel(ctx) // a merge is short and atomic per shard; finish it
	finished, err := collectShards(ctx, st, plan, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 1
	}
	code := 0
	if finished < len(plan.trials) {
		fmt.Fprintf(stderr, "runner: %d of %d trials FINISHED; see the task logs, fix, and rerun (finished trials are skipped)\n",
			finished, len(plan.trials))
		code = 1
	}
	if !f.noReport {
		path, err := wire.WriteReport(ctx, st, plan.exp, f.config, f.out, wire.BuildInfo())
		if err != nil {
			fmt.Fprintln(stderr, "runner: writing the report:", err)
			return 1
		}
		fmt.Fprintf(stdout, "\nreport: %s\n", path)
	}
	fmt.Fprintf(stdout, "database: %s\n", f.db)
	return code
}

// collectShards merges the shard of every trial that has one into st and prints a table of the trials'
// outcomes in the merged database. It returns how many trials have a FINISHED run. A shard that cannot
// be merged (corrupt, newer schema) is an error naming it; the shards before it stay merged (each merge
// is atomic), so fixing or removing it and collecting again completes the job.
func collectShards(ctx context.Context, st *tracking.Store, plan *sweepPlan, stdout io.Writer) (int, error) {
	for _, t := range plan.trials {
		path := plan.shard(t.Index)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stdout, "task %d (%s): no shard %s (the task has not started)\n", t.Index, t.Name, path)
			continue
		}
		ms, err := st.Merge(ctx, path)
		if err != nil {
			return 0, fmt.Errorf("merging the shard of task %d (%s): %w", t.Index, t.Name, err)
		}
		fmt.Fprintf(stdout, "merged %s: %d runs added, %d updated, %d epochs\n", path, ms.RunsAdded, ms.RunsUpdated, ms.EpochsAdded)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nINDEX\tTRIAL\tSTATUS\tEPOCHS\tRUN")
	finished := 0
	for _, t := range plan.trials {
		r, err := st.FinishedRun(ctx, plan.exp.Name, t.Hash)
		if err == nil && r == nil {
			r, err = st.LatestRun(ctx, plan.exp.Name, t.Hash)
		}
		if err != nil {
			return 0, err
		}
		status, epochs, id := "NO RUN", "-", "-"
		if r != nil {
			status, epochs, id = string(r.Status), strconv.Itoa(r.Epochs), r.ID
			if r.Status == tracking.Finished {
				finished++
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.Index, t.Name, status, epochs, id)
	}
	return finished, tw.Flush()
}

// shellQuote quotes s for a POSIX shell (unchanged when it needs no quoting).
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
