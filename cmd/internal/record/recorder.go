// Package record adapts the tracking store to the runner's Recorder interface, adding the build facts
// (cmd/internal/wire.Build) to every run. It is the only glue between runner and tracking, kept apart
// from wire so that commands that do not train (report, params) link no training code.
package record

import (
	"context"
	"errors"
	"fmt"

	"inceptionlab/cmd/internal/wire"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

// New adapts a tracking store to runner.Recorder, adding the build facts to every run.
func New(st *tracking.Store, build wire.Build) runner.Recorder {
	return &recorder{st: st, build: build}
}

type recorder struct {
	st    *tracking.Store
	build wire.Build
}

func (r *recorder) FinishedRun(ctx context.Context, experiment, hash string) (string, error) {
	s, err := r.st.FinishedRun(ctx, experiment, hash)
	if err != nil || s == nil {
		return "", err
	}
	return s.ID, nil
}

func (r *recorder) LatestRun(ctx context.Context, experiment, hash string) (string, string, error) {
	s, err := r.st.LatestRun(ctx, experiment, hash)
	if err != nil || s == nil {
		return "", "", err
	}
	return s.ID, string(s.Status), nil
}

func (r *recorder) Lineage(ctx context.Context, id string) ([]string, error) {
	return r.st.Lineage(ctx, id)
}

func (r *recorder) ArtifactSHA256(ctx context.Context, id, kind string) (string, error) {
	arts, err := r.st.Artifacts(ctx, id)
	if err != nil {
		return "", err
	}
	for _, a := range arts {
		if a.Kind == kind {
			return a.SHA256, nil
		}
	}
	return "", nil
}

func (r *recorder) StartRun(ctx context.Context, info runner.RunInfo) (runner.RunRecorder, error) {
	run, err := r.st.StartRun(ctx, tracking.RunInfo{
		Experiment: info.Experiment, Trial: info.Trial, ConfigText: info.ConfigText, ConfigHash: info.ConfigHash,
		Seed: info.Seed, Params: info.Params, Threads: info.Threads, ResumedFrom: info.ResumedFrom,
		GitCommit: r.build.GitCommit, GitDirty: r.build.GitDirty,
	})
	if errors.Is(err, tracking.ErrClaimed) {
		return nil, fmt.Errorf("%w: %w", runner.ErrTrialBusy, err)
	}
	if err != nil {
		return nil, err
	}
	return &runRecorder{run: run}, nil
}

type runRecorder struct{ run *tracking.Run }

func (r *runRecorder) ID() string { return r.run.ID }

func (r *runRecorder) LogEpoch(ctx context.Context, e runner.Epoch) error {
	te := tracking.Epoch{Epoch: e.Epoch, TrainLoss: e.TrainLoss, TrainTop1: e.TrainTop1,
		ValLoss: e.ValLoss, ValTop1: e.ValTop1, ValTop5: e.ValTop5, LR: e.LR, Seconds: e.Seconds,
		ImagesPerSec: e.ImagesPerSec, MainLoss: e.MainLoss, AuxLoss: e.AuxLoss}
	if e.EMA != nil {
		te.EMA = &tracking.EMAVal{Loss: e.EMA.Loss, Top1: e.EMA.Top1, Top5: e.EMA.Top5}
	}
	return r.run.LogEpoch(ctx, te)
}

func (r *runRecorder) AddArtifact(ctx context.Context, kind, path string) error {
	return r.run.AddArtifact(ctx, kind, path)
}

func (r *runRecorder) SetTestMetrics(ctx context.Context, loss, top1, top5 float64) error {
	return r.run.SetTestMetrics(ctx, loss, top1, top5)
}

func (r *runRecorder) Execute(ctx context.Context, body func(context.Context) error) error {
	stop := r.run.StartHeartbeat(ctx, tracking.DefaultHeartbeatEvery)
	return r.run.Execute(ctx, func(ctx context.Context) error {
		err := body(ctx)
		stop()
		return err
	})
}

func (r *runRecorder) SetEvaluation(ctx context.Context, e runner.Evaluation) error {
	if e.Classes != nil {
		if err := r.run.SetClasses(ctx, e.Classes); err != nil {
			return err
		}
	}
	te := tracking.Evaluation{Split: e.Split, Confusion: e.Confusion}
	for _, p := range e.Predictions {
		te.Predictions = append(te.Predictions, tracking.Prediction{Example: p.Example, Label: p.Label, Pred: p.Pred,
			PTrue: p.PTrue, Top5: p.Top5})
	}
	for _, t := range e.Thumbnails {
		te.Thumbnails = append(te.Thumbnails, tracking.Thumbnail{Example: t.Example, PNG: t.PNG})
	}
	return r.run.SetEvaluation(ctx, te)
}
