// Command runner trains the trials of an experiment config, records every run and epoch in the tracking
// database, writes checkpoints under -out and, at the end, the experiment's HTML report; or hands the
// sweep to Slurm or Kubernetes (-emit, -collect; the library is runner/cluster). `runner -h` lists the flags.
//
// Rerunning the same command skips finished trials and resumes interrupted ones from their last
// checkpoint; a trial another live runner holds is not touched. Exit statuses: 0 done, 1 a trial failed,
// 2 usage or config error, 75 a trial was busy (ExitBusy), 130 interrupted (Ctrl-C or SIGTERM mark the
// running trial KILLED; its last complete epoch is saved).
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
	"strings"
	"syscall"

	"inceptionlab/cmd/internal/cli"
	"inceptionlab/cmd/internal/record"
	"inceptionlab/cmd/internal/wire"
	"inceptionlab/experiments"
	"inceptionlab/runner"
	"inceptionlab/runner/cluster"
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

type flags struct {
	config   string
	sets     []string
	db, out  string
	jobs     int
	trial    string
	index    int
	list     bool
	failFast bool
	quiet    bool
	threads  int
	noReport bool
	cluster  cluster.Job
}

const synopsis = `runner -config FILE [-set key=value]... [-db FILE] [-out DIR] [-j N] [-trial NAME | -trial-index I] [-list-trials] [-fail-fast] [-quiet] [-threads N] [-no-report]
       runner -config FILE -emit slurm|k8s [-slurm.* | -k8s.* flags] [-submit [-wait]]
       runner -config FILE -collect slurm|k8s [-db FILE] [-out DIR]`

func newFlagSet(f *flags) *flag.FlagSet {
	fs := cli.NewFlagSet("runner", synopsis)
	fs.StringVar(&f.config, "config", "", "experiment config `file` (YAML), e.g. configs/googlenet_aux.yaml")
	fs.Func("set", "override a config key, `key=value` (repeatable), e.g. -set train.epochs=2", func(v string) error {
		f.sets = append(f.sets, v)
		return nil
	})
	fs.StringVar(&f.db, "db", filepath.Join("runs", "tracking.db"), "tracking database `file`")
	fs.StringVar(&f.out, "out", "runs", "output `folder`: trial folders and checkpoints, and the report at OUT/EXPERIMENT/report.html")
	fs.IntVar(&f.jobs, "j", 1, "number of trials to run at the same time")
	fs.StringVar(&f.trial, "trial", "", "run only the trial with this `name`")
	fs.IntVar(&f.index, "trial-index", -1, "run only the trial with this `index` (see -list-trials)")
	fs.BoolVar(&f.list, "list-trials", false, "print index, name and config hash of every trial and exit")
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop the sweep at the first failed trial")
	fs.BoolVar(&f.quiet, "quiet", false, "print only the summary")
	fs.IntVar(&f.threads, "threads", 0, "CPU threads to use (0 = train.threads from the config, else all cores)")
	fs.BoolVar(&f.noReport, "no-report", false, "do not write the HTML report at the end")
	f.cluster.RegisterFlags(fs)
	return fs
}

// check validates the flags against each other.
func (f *flags) check(fs *flag.FlagSet) error {
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	case f.config == "":
		return errors.New("-config is required, e.g. -config configs/googlenet_aux.yaml")
	case f.jobs < 1:
		return fmt.Errorf("-j must be >= 1, got %d", f.jobs)
	case f.threads < 0:
		return fmt.Errorf("-threads must be >= 0, got %d", f.threads)
	case f.trial != "" && f.index >= 0:
		return errors.New("-trial and -trial-index are exclusive")
	case f.index < -1:
		return fmt.Errorf("-trial-index must be >= 0, got %d", f.index)
	case f.cluster.Active() && f.list:
		return errors.New("-list-trials cannot be combined with -emit or -collect")
	case f.cluster.Active() && (f.trial != "" || f.index >= 0):
		return errors.New("-trial and -trial-index cannot be combined with -emit or -collect: the job runs every trial, one per task")
	case f.cluster.Active() && f.jobs != 1:
		return errors.New("-j cannot be combined with -emit or -collect: the cluster runs one trial per task (see -slurm.max-parallel, -k8s.parallelism)")
	}
	return f.cluster.Validate()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := &flags{}
	fs := newFlagSet(f)
	if code, ok := cli.Parse(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := f.check(fs); err != nil {
		return cli.UsageError(stderr, "runner", err)
	}
	exp, err := experiments.LoadContext(ctx, f.config, f.sets) // a signal stops the loading too
	if ctx.Err() != nil {
		return fail(stderr, ExitInterrupted, fmt.Errorf("interrupted while loading %s", f.config))
	}
	if err != nil {
		return fail(stderr, ExitUsage, err)
	}
	if f.list {
		trials, err := exp.Trials()
		if err == nil {
			err = runner.WriteTrials(stdout, trials)
		}
		return fail(stderr, ExitUsage, err)
	}
	if f.cluster.Active() {
		return runCluster(ctx, exp, f, stdout, stderr)
	}
	threads := runner.SetThreads(f.threads, exp)
	build := wire.BuildInfo()
	build.BLAS = runner.BLASName()
	if !f.quiet {
		fmt.Fprintf(stdout, "inceptionlab runner: %s, %d threads, matrix multiply: %s\n", exp.Name, threads, build.BLAS)
	}
	st, err := wire.OpenStore(f.db)
	if err != nil {
		return fail(stderr, ExitFailed, err)
	}
	defer st.Close()

	prog := &runner.Progress{W: stdout, Terminal: cli.IsTerminal(stdout), Quiet: f.quiet}
	opts := runner.Options{
		OutDir: f.out, Jobs: f.jobs, Trial: f.trial, Index: f.index, FailFast: f.failFast,
		Progress: prog, Build: build.Map(),
	}
	if !f.noReport {
		opts.AfterEpoch = wire.LiveReport(ctx, st, exp, f.config, f.out, build, func(err error) { fail(stderr, 0, err) })
	}
	results, runErr := runner.Run(ctx, exp, record.New(st, build), opts)
	if results == nil && runErr != nil {
		return fail(stderr, ExitUsage, runErr)
	}
	fmt.Fprintln(stdout)
	if err := runner.WriteSummary(stdout, results); err != nil {
		fail(stderr, 0, err)
	}
	if !f.noReport {
		// Also after an interruption: the live report showed the trial RUNNING, this one shows it KILLED
		// (and so stops reloading itself).
		path, err := wire.WriteReport(context.WithoutCancel(ctx), st, exp, f.config, f.out, build)
		if err != nil {
			return fail(stderr, ExitFailed, fmt.Errorf("writing the report: %w", err))
		}
		fmt.Fprintf(stdout, "\nreport: %s\ndatabase: %s\n", path, f.db)
	}
	var busy []string
	for _, r := range results {
		if r.Status == runner.StatusBusy {
			busy = append(busy, fmt.Sprintf("%q", r.Trial))
		}
	}
	switch {
	case ctx.Err() != nil:
		return fail(stderr, ExitInterrupted, errors.New("interrupted; rerun the same command to resume"))
	case runErr != nil:
		return fail(stderr, ExitFailed, runErr)
	case len(busy) > 0:
		return fail(stderr, ExitBusy, fmt.Errorf("trial %s not trained: claimed by another live runner (exit %d; rerun once it has ended)",
			strings.Join(busy, ", "), ExitBusy))
	}
	return ExitOK
}

// fail prints err as one "runner: ..." line and returns code; with a nil err it returns ExitOK.
func fail(stderr io.Writer, code int, err error) int {
	if err == nil {
		return ExitOK
	}
	return cli.Fail(stderr, "runner", code, err)
}
