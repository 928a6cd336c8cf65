package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"inceptionlab/experiments"
	"inceptionlab/model/arch"
	"inceptionlab/tracking"
)

// Options control how an experiment runs.
type Options struct {
	OutDir   string    // trial folders go to OutDir/<experiment>/<trial>-<hash8>
	Jobs     int       // trials run at the same time (default 1)
	Trial    string    // run only the trial with this name ("" = all)
	Index    int       // run only the trial with this index (-1 = all)
	FailFast bool      // stop the sweep at the first failed trial
	Progress *Progress // nil = silent
	Now      func() time.Time
	Build    map[string]string // recorded as derived.build.<key> params (BLAS in use, ...)
	// AfterEpoch, if set, is called after every epoch is recorded and after every trial ends (cmd/runner
	// rewrites the report there, so it is live while the sweep runs). Calls may come from several
	// trials at once when Jobs > 1.
	AfterEpoch func(trial string)
}

// Status of a trial result.
const (
	StatusFinished = string(tracking.Finished)
	StatusFailed   = string(tracking.Failed)
	StatusKilled   = string(tracking.Killed)
	StatusSkipped  = "SKIPPED"                // a FINISHED run with this config hash already exists
	StatusBusy     = string(tracking.Running) // another live process holds this trial (its lock or its RUNNING row); not trained
)

// Result is what happened to one trial.
type Result struct {
	Index       int
	Trial       string
	Hash        string
	Status      string
	RunID       string
	Dir         string
	BestValTop1 float64
	BestEpoch   int
	Epochs      int
	TestTop1    float64 // NaN when there is no test split
	Params      int64
	MACs        int64
	Seconds     float64
	Resumed     bool
	Err         error
}

// TrialDir is the folder of a trial under outDir: the experiment name, then the trial name made safe for
// file systems and the first 8 hex digits of its config hash (so two configs never share a folder).
func TrialDir(outDir, experiment string, t experiments.Trial) string {
	return RunDir(outDir, experiment, t.Name, t.Hash)
}

// Select returns the trials opts selects, with an error naming the valid choices when none matches.
func Select(trials []experiments.Trial, opts Options) ([]experiments.Trial, error) {
	switch {
	case opts.Trial != "":
		var names []string
		for _, t := range trials {
			if t.Name == opts.Trial {
				return []experiments.Trial{t}, nil
			}
			names = append(names, strconv.Quote(t.Name))
		}
		return nil, fmt.Errorf("runner: no trial named %q; trials: %s", opts.Trial, strings.Join(names, ", "))
	case opts.Index >= 0:
		if opts.Index >= len(trials) {
			return nil, fmt.Errorf("runner: trial index %d out of range: the sweep has %d trials (0..%d)", opts.Index, len(trials), len(trials)-1)
		}
		return trials[opts.Index : opts.Index+1], nil
	}
	return trials, nil
}

// Run executes the selected trials of exp. It returns one Result per trial; the error is non-nil when a
// trial failed or was killed (with FailFast, the remaining trials are not started) or when ctx was
// cancelled.
func Run(ctx context.Context, exp *experiments.Experiment, rec Recorder, opts Options) ([]Result, error) {
	all, err := exp.Trials()
	if err != nil {
		return nil, err
	}
	trials, err := Select(all, opts)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Progress == nil {
		opts.Progress = &Progress{}
	}
	jobs := max(opts.Jobs, 1)
	results := make([]Result, len(trials))
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, t := range trials {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			results[i] = Result{Index: t.Index, Trial: t.Name, Hash: t.Hash, Status: StatusKilled, Err: context.Cause(ctx)}
			continue
		}
		opts.Progress.TrialStart(t.Name, i, len(trials)) // here, not in the goroutine: numbered in order
		wg.Add(1)
		go func(i int, t experiments.Trial) {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() { // tr.run recovers panics itself; this keeps a sibling trial alive if that fails
				if p := recover(); p != nil {
					results[i] = Result{Index: t.Index, Trial: t.Name, Hash: t.Hash, Status: StatusFailed,
						Err: fmt.Errorf("runner: trial %q panicked: %v", t.Name, p), TestTop1: nan()}
				}
			}()
			tr := &trial{t: t, cfg: t.Config, dir: TrialDir(opts.OutDir, exp.Name, t), rec: rec, prog: opts.Progress,
				now: opts.Now, index: i, total: len(trials), afterEpoch: opts.AfterEpoch}
			results[i] = tr.run(ctx, exp.Name, opts)
			if opts.AfterEpoch != nil && results[i].Status != StatusSkipped {
				opts.AfterEpoch(t.Name)
			}
			if results[i].Status == StatusFailed && opts.FailFast {
				stop(fmt.Errorf("runner: -fail-fast: trial %q failed", t.Name))
			}
		}(i, t)
	}
	wg.Wait()
	var errs []error
	for _, r := range results {
		if r.Status == StatusFailed || r.Status == StatusKilled {
			errs = append(errs, fmt.Errorf("trial %q %s: %v", r.Trial, strings.ToLower(r.Status), r.Err))
		}
	}
	return results, errors.Join(errs...)
}

// run executes one trial and never panics (the recorder's Execute recovers panics in the body).
func (tr *trial) run(ctx context.Context, experiment string, opts Options) (res Result) {
	res = Result{Index: tr.t.Index, Trial: tr.t.Name, Hash: tr.t.Hash, Dir: tr.dir, TestTop1: nan()}
	start := tr.now()
	defer func() { res.Seconds = tr.now().Sub(start).Seconds() }()
	spec := tr.cfg.SpecForConfig(0)
	if plan, err := arch.NewPlan(spec); err == nil {
		res.Params, res.MACs = plan.TotalParams(true), plan.TotalMACs(false)
	}
	// The trial folder's lock comes first, and every check after it: a runner that finished the trial
	// just before we got the lock is then seen as FINISHED, not trained again.
	release, err := claim(tr.dir)
	if errors.Is(err, ErrTrialBusy) {
		return tr.busy(res, err)
	}
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	defer release()
	if id, err := tr.rec.FinishedRun(ctx, experiment, tr.t.Hash); err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	} else if id != "" {
		res.Status, res.RunID = StatusSkipped, id
		tr.prog.Note(tr.t.Name, fmt.Sprintf("skipped: already FINISHED as run %.8s", id))
		return res
	}
	prevID, prevStatus, err := tr.rec.LatestRun(ctx, experiment, tr.t.Hash)
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	if prevStatus == StatusBusy {
		res.RunID = prevID
		return tr.busy(res, fmt.Errorf("runner: %w: run %.8s of this trial is RUNNING in another live process", ErrTrialBusy, prevID))
	}
	if err := cleanStaleTemps(tr.dir); err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	p, prepErr := tr.safePrepare(ctx, prevID)
	info := RunInfo{Experiment: experiment, Trial: tr.t.Name, ConfigText: tr.t.Resolved, ConfigHash: tr.t.Hash,
		Seed: tr.cfg.Seed, Params: tr.cfg.Flatten(), Threads: runtime.GOMAXPROCS(0)}
	if p != nil {
		plan := p.net.Plan()
		res.Params, res.MACs = plan.TotalParams(true), plan.TotalMACs(false)
		info.Params[tracking.DerivedParams] = strconv.FormatInt(plan.TotalParams(true), 10)
		info.Params[tracking.DerivedParamsInference] = strconv.FormatInt(plan.TotalParams(false), 10)
		info.Params[tracking.DerivedMACs] = strconv.FormatInt(plan.TotalMACs(false), 10)
		info.Params[tracking.DerivedMACsTrain] = strconv.FormatInt(plan.TotalMACs(true), 10)
		info.Params[tracking.DerivedNumClasses] = strconv.Itoa(plan.Spec.NumClasses)
		info.Params[tracking.DerivedTrainImages] = strconv.Itoa(p.splits.Train.Len())
		info.Params[tracking.DerivedValImages] = strconv.Itoa(p.splits.Val.Len())
		info.Params[tracking.DerivedSplitHash] = p.splits.Info.Hash
		if p.resumed {
			res.Resumed = true
			info.ResumedFrom = prevID
			tr.prog.Note(tr.t.Name, fmt.Sprintf("resuming from %s after epoch %d", LastCheckpoint, len(p.history)))
		}
	}
	info.Params[tracking.DerivedThreads] = strconv.Itoa(runtime.GOMAXPROCS(0))
	info.Params[tracking.DerivedThreadFree] = strconv.FormatBool(ThreadIndependent())
	for k, v := range opts.Build {
		info.Params[tracking.DerivedBuildPrefix+k] = v
	}
	run, err := tr.rec.StartRun(ctx, info)
	if errors.Is(err, ErrTrialBusy) {
		return tr.busy(res, err)
	}
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	res.RunID = run.ID()
	err = run.Execute(ctx, func(ctx context.Context) error {
		if prepErr != nil {
			return prepErr
		}
		return tr.body(ctx, run, p)
	})
	switch {
	case err == nil:
		res.Status = StatusFinished
	case ctx.Err() != nil:
		res.Status, res.Err = StatusKilled, context.Cause(ctx)
	default:
		res.Status, res.Err = StatusFailed, err
	}
	if p != nil {
		res.Epochs = len(p.history)
		best, _, _ := bestSoFar(p.history)
		res.BestValTop1 = math.NaN() // stays NaN without a validated epoch (data.split.val: 0)
		for _, e := range p.history {
			if e.selected().Top1 == best {
				res.BestValTop1, res.BestEpoch = best, e.Epoch
				break
			}
		}
		if p.test != nil {
			res.TestTop1 = *p.test
		}
	}
	res.Seconds = tr.now().Sub(start).Seconds()
	tr.prog.TrialEnd(res)
	return res
}

// busy ends a trial that another live process holds: reported, not trained, and not a success.
func (tr *trial) busy(res Result, err error) Result {
	res.Status, res.Err = StatusBusy, err
	tr.prog.Note(tr.t.Name, "skipped: "+err.Error())
	return res
}

// safePrepare is prepare with a panic (an allocation the size checks did not foresee, a bug) turned into
// an error, so the trial is recorded FAILED and a sibling trial under -j keeps running. The error is one
// line; the stack goes with it into the run's error field.
func (tr *trial) safePrepare(ctx context.Context, prevID string) (p *prepared, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return tr.prepare(ctx, prevID)
}

// panicError is a recovered panic: Error is one line for the user, Stack the trace for the record.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string {
	return fmt.Sprintf("runner: preparing the trial panicked: %v", e.value)
}
