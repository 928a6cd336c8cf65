// Command runner trains the trials of an experiment config, records every run and epoch in the tracking
// database, writes checkpoints under the output folder and, at the end, the experiment's HTML report.
//
//	runner -config configs/googlenet_aux.yaml [-set key=value]... [-db runs/tracking.db] [-out runs]
//	       [-j N] [-trial NAME | -trial-index I] [-list-trials] [-fail-fast] [-quiet] [-threads N] [-no-report]
//	runner -config FILE -emit slurm [-slurm.partition P] [-slurm.time HH:MM:SS] [-slurm.cpus N]
//	       [-slurm.max-parallel K] [-submit [-wait]]
//	runner -config FILE -emit k8s [-k8s.image IMAGE] [-k8s.pvc NAME] [-k8s.parallelism K]
//	runner -config FILE -collect slurm|k8s [-db FILE]
//
// Rerunning the same command skips trials that already finished and resumes interrupted ones from their
// last checkpoint. A trial another live runner holds (its folder's lock file or its RUNNING row) is not
// touched; the runner then exits 75 (ExitBusy), so a cluster scheduler does not count it a success. Exit
// statuses: 0 done, 1 a trial failed, 2 usage or config error, 75 a trial was busy, 130 interrupted. Ctrl-C (or SIGTERM) stops after marking the running trial KILLED; its last complete
// epoch is already saved.
//
// On a cluster, -emit writes a Slurm job array script or a Kubernetes Indexed Job that runs one trial
// per task (`runner -trial-index I`), each into its own shard database under OUT/EXPERIMENT/ENGINE/shards;
// -collect merges the shards into -db and writes the report (see cluster.go for the layout).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"

	"inceptionlab/cmd/internal/record"
	"inceptionlab/cmd/internal/wire"
	"inceptionlab/experiments"
	"inceptionlab/internal/fault"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

// Exit statuses of the runner.
const (
	ExitOK          = 0   // every selected trial finished (or had finished before)
	ExitFailed      = 1   // a trial failed, or the report could not be written
	ExitUsage       = 2   // bad flags or config
	ExitBusy        = 75  // a selected trial is claimed by another live runner (EX_TEMPFAIL: retry later)
	ExitInterrupted = 130 // SIGINT or SIGTERM; rerun the same command to resume
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type flags struct {
	config   string
	sets     multiFlag
	db, out  string
	jobs     int
	trial    string
	index    int
	list     bool
	failFast bool
	quiet    bool
	threads  int
	noReport bool
	cluster  clusterFlags
}

func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("runner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: runner -config FILE [-set key=value]... [-db FILE] [-out DIR] [-j N] [-trial NAME | -trial-index I] [-list-trials] [-fail-fast] [-quiet] [-threads N] [-no-report]\n"+
			"       runner -config FILE -emit slurm|k8s [-slurm.* | -k8s.* flags] [-submit [-wait]]\n"+
			"       runner -config FILE -collect slurm|k8s [-db FILE] [-out DIR]\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.config, "config", "", "experiment config `file` (YAML), e.g. configs/googlenet_aux.yaml")
	fs.Var(&f.sets, "set", "override a config key, `key=value` (repeatable), e.g. -set train.epochs=2")
	fs.StringVar(&f.db, "db", filepath.Join("runs", "tracking.db"), "tracking database `file`")
	fs.StringVar(&f.out, "out", "runs", "output `folder` for checkpoints and reports")
	fs.IntVar(&f.jobs, "j", 1, "number of trials to run at the same time")
	fs.StringVar(&f.trial, "trial", "", "run only the trial with this `name`")
	fs.IntVar(&f.index, "trial-index", -1, "run only the trial with this `index` (see -list-trials)")
	fs.BoolVar(&f.list, "list-trials", false, "print index, name and config hash of every trial and exit")
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop the sweep at the first failed trial")
	fs.BoolVar(&f.quiet, "quiet", false, "print only the summary")
	fs.IntVar(&f.threads, "threads", 0, "CPU threads to use (0 = train.threads from the config, else all cores)")
	fs.BoolVar(&f.noReport, "no-report", false, "do not write the HTML report at the end")
	f.cluster.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	case f.config == "":
		return nil, errors.New("-config is required, e.g. -config configs/googlenet_aux.yaml")
	case f.jobs < 1:
		return nil, fmt.Errorf("-j must be >= 1, got %d", f.jobs)
	case f.threads < 0:
		return nil, fmt.Errorf("-threads must be >= 0, got %d", f.threads)
	case f.trial != "" && f.index >= 0:
		return nil, errors.New("-trial and -trial-index are exclusive")
	case f.index < -1:
		return nil, fmt.Errorf("-trial-index must be >= 0, got %d", f.index)
	}
	if err := f.cluster.validate(f); err != nil {
		return nil, err
	}
	return f, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 2
	}
	exp, err := experiments.LoadContext(ctx, f.config, f.sets) // a signal stops the loading too
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "runner: interrupted while loading", f.config)
		return ExitInterrupted
	}
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return ExitUsage
	}
	if f.list {
		return listTrials(exp, f, stdout, stderr)
	}
	if f.cluster.emit != "" || f.cluster.collect != "" {
		return runCluster(ctx, exp, f, stdout, stderr)
	}
	threads := f.threads
	if threads == 0 {
		threads = exp.Train.Threads
	}
	if threads > 0 {
		runtime.GOMAXPROCS(threads)
	}
	build := wire.BuildInfo()
	build.BLAS = runner.BLASName()
	if !f.quiet {
		fmt.Fprintf(stdout, "inceptionlab runner: %s, %d threads, matrix multiply: %s\n", exp.Name, runtime.GOMAXPROCS(0), build.BLAS)
	}
	st, err := openStore(f.db)
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 1
	}
	defer st.Close()

	prog := &runner.Progress{W: stdout, Terminal: isTerminal(stdout), Quiet: f.quiet}
	opts := runner.Options{
		OutDir: f.out, Jobs: f.jobs, Trial: f.trial, Index: f.index, FailFast: f.failFast,
		Progress: prog, Build: build.Map(),
	}
	if !f.noReport {
		opts.AfterEpoch = liveReport(ctx, st, exp, f, build, stderr)
	}
	results, runErr := runner.Run(ctx, exp, record.New(st, build), opts)
	if results == nil && runErr != nil {
		fmt.Fprintln(stderr, "runner:", runErr)
		return 2
	}
	fmt.Fprintln(stdout)
	if err := runner.WriteSummary(stdout, results); err != nil {
		fmt.Fprintln(stderr, "runner:", err)
	}
	if !f.noReport {
		// Also after an interruption: the live report showed the trial RUNNING, this one shows it KILLED
		// (and so stops reloading itself).
		path, err := wire.WriteReport(context.WithoutCancel(ctx), st, exp, f.config, f.out, build)
		if err != nil {
			fmt.Fprintln(stderr, "runner: writing the report:", err)
			return 1
		}
		fmt.Fprintf(stdout, "\nreport: %s\ndatabase: %s\n", path, f.db)
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "runner: interrupted; rerun the same command to resume")
		return 130
	case runErr != nil:
		fmt.Fprintln(stderr, "runner:", strings.ReplaceAll(runErr.Error(), "\n", "; "))
		return ExitFailed
	}
	var busy []string
	for _, r := range results {
		if r.Status == runner.StatusBusy {
			busy = append(busy, fmt.Sprintf("%q", r.Trial))
		}
	}
	if len(busy) > 0 {
		fmt.Fprintf(stderr, "runner: trial %s not trained: claimed by another live runner (exit %d; rerun once it has ended)\n",
			strings.Join(busy, ", "), ExitBusy)
		return ExitBusy
	}
	return ExitOK
}

// liveReport returns the runner's AfterEpoch hook: it rewrites the report (atomically, so a browser
// never reads half a file) after every epoch, one rewrite at a time. A failure is reported once and
// does not stop training; the final report at the end is still written.
func liveReport(ctx context.Context, st *tracking.Store, exp *experiments.Experiment, f *flags, build wire.Build,
	stderr io.Writer) func(string) {
	var mu sync.Mutex
	warned := false
	return func(string) {
		mu.Lock()
		defer mu.Unlock()
		if _, err := wire.WriteReport(context.WithoutCancel(ctx), st, exp, f.config, f.out, build); err != nil && !warned {
			warned = true
			fmt.Fprintln(stderr, "runner: warning: rewriting the live report:", strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}
}

// openStore opens (creating it and its folder if needed) the tracking database.
func openStore(path string) (*tracking.Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the database folder: %w", err)
	}
	return tracking.Open(path, tracking.Options{Fault: fault.Point})
}

// listTrials prints the expanded sweep in its stable order.
func listTrials(exp *experiments.Experiment, f *flags, stdout, stderr io.Writer) int {
	trials, err := exp.Trials()
	if err != nil {
		fmt.Fprintln(stderr, "runner:", err)
		return 2
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tTRIAL\tHASH")
	for _, t := range trials {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", t.Index, t.Name, t.Hash)
	}
	return boolToCode(tw.Flush() != nil)
}

func boolToCode(failed bool) int {
	if failed {
		return 1
	}
	return 0
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
