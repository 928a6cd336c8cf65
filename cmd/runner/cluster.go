package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"inceptionlab/cmd/internal/wire"
	"inceptionlab/experiments"
	"inceptionlab/runner/cluster"
)

// slurmPoll is how often -wait asks squeue about the array (tests shorten it).
var slurmPoll = 2 * time.Second

// runCluster dispatches -emit and -collect and prints what to do next.
func runCluster(ctx context.Context, exp *experiments.Experiment, f *flags, stdout, stderr io.Writer) int {
	engine := f.cluster.Engine()
	plan, err := cluster.NewPlan(exp, f.config, f.sets, f.out, engine)
	if err != nil {
		return fail(stderr, 2, err)
	}
	if f.cluster.Collect != "" {
		return collectAndReport(ctx, plan, f, stdout, stderr)
	}
	if err := plan.Prepare(); err != nil {
		return fail(stderr, 1, err)
	}
	if engine == cluster.K8s {
		path, err := cluster.EmitK8s(plan, f.cluster.K8s)
		if err != nil {
			return fail(stderr, 1, err)
		}
		fmt.Fprintf(stdout, "wrote %s: Kubernetes Indexed Job, %d trials (list: %s)\n", path, len(plan.Trials), plan.TrialsFile())
		fmt.Fprintf(stdout, "run it:   kubectl apply -f %s\n", cluster.ShellQuote(path))
		fmt.Fprintf(stdout, "then, with the volume mounted at %s here:\n  %s\n", plan.Out, plan.CollectCommand(f.db))
		return 0
	}
	path, err := cluster.EmitSlurm(plan, f.cluster.Slurm, f.db)
	if err != nil {
		return fail(stderr, 1, err)
	}
	fmt.Fprintf(stdout, "wrote %s: Slurm job array, %d trials (list: %s)\n", path, len(plan.Trials), plan.TrialsFile())
	if !f.cluster.Submit {
		fmt.Fprintf(stdout, "submit it: sbatch %s\n", cluster.ShellQuote(path))
		return 0
	}
	job, err := cluster.Submit(ctx, path)
	if err != nil {
		return fail(stderr, 1, err)
	}
	fmt.Fprintf(stdout, "submitted job array %s (logs: %s)\n", job, filepath.Join(plan.Dir, "logs", job+"_*.out"))
	if !f.cluster.Wait {
		fmt.Fprintf(stdout, "when it is done:\n  %s\n", plan.CollectCommand(f.db))
		return 0
	}
	if err := cluster.Wait(ctx, job, slurmPoll, stdout); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "runner: stopped waiting; job %s keeps running. When it is done:\n  %s\n", job, plan.CollectCommand(f.db))
			return ExitInterrupted
		}
		return fail(stderr, 1, err)
	}
	return collectAndReport(ctx, plan, f, stdout, stderr)
}

// collectAndReport merges every task's shard into -db, prints each trial's outcome and writes the report.
// It exits 0 only when every trial has a FINISHED run.
func collectAndReport(ctx context.Context, plan *cluster.Plan, f *flags, stdout, stderr io.Writer) int {
	st, err := wire.OpenStore(f.db)
	if err != nil {
		return fail(stderr, 1, err)
	}
	defer st.Close()
	ctx = context.WithoutCancel(ctx) // a merge is short and atomic per shard; finish it
	finished, err := cluster.Collect(ctx, st, plan, stdout)
	if err != nil {
		return fail(stderr, 1, err)
	}
	code := 0
	if finished < len(plan.Trials) {
		fmt.Fprintf(stderr, "runner: %d of %d trials FINISHED; see the task logs, fix, and rerun (finished trials are skipped)\n",
			finished, len(plan.Trials))
		code = 1
	}
	if !f.noReport {
		path, err := wire.WriteReport(ctx, st, plan.Exp, f.config, f.out, wire.BuildInfo())
		if err != nil {
			return fail(stderr, 1, fmt.Errorf("writing the report: %w", err))
		}
		fmt.Fprintf(stdout, "\nreport: %s\n", path)
	}
	fmt.Fprintf(stdout, "database: %s\n", f.db)
	return code
}
