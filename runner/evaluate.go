package runner

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"inceptionlab/data"
	"inceptionlab/experiments"
)

// SplitEvaluation is a checkpoint's evaluation on one split of its trial's data.
type SplitEvaluation struct {
	Trial            string // the trial of the experiment the checkpoint belongs to
	Split            string // "test" or "val"
	TTA              string // the test-time augmentation used (see TTAViews)
	Views            int    // views per image
	Images           int
	Loss, Top1, Top5 float64
}

// EvalSplits are the splits EvaluateCheckpoint can evaluate on.
var EvalSplits = []string{"test", "val"}

// EvaluateCheckpoint evaluates a checkpoint written by the runner on split ("test" or "val") of its
// trial's data, with test-time augmentation tta (none, hflip or crops; "" takes the trial's test.tta).
// The trial is the one of exp's trials whose config hash the checkpoint carries, so the data, its
// split and its preprocessing are exactly the ones the checkpoint was trained and selected with; v is
// checked as LoadVerified does. The result is the one the runner records for the test split when the
// trial's test.tta is tta.
func EvaluateCheckpoint(ctx context.Context, exp *experiments.Experiment, checkpoint string, v Verify, split, tta string) (SplitEvaluation, error) {
	var res SplitEvaluation
	if !slices.Contains(EvalSplits, split) {
		return res, fmt.Errorf("runner: unknown split %q (valid: %s)", split, strings.Join(EvalSplits, ", "))
	}
	net, meta, err := LoadVerified(checkpoint, v)
	if err != nil {
		return res, err
	}
	trials, err := exp.Trials()
	if err != nil {
		return res, err
	}
	hash := meta[MetaConfigHash]
	i := slices.IndexFunc(trials, func(t experiments.Trial) bool { return t.Hash == hash })
	if i < 0 {
		return res, fmt.Errorf("runner: checkpoint %s belongs to config %.12s, which is none of the %d trial(s) of %s (give the config file, overrides included, that trained it)",
			checkpoint, hash, len(trials), exp.File)
	}
	t := trials[i]
	cfg := t.Config
	if tta == "" {
		tta = cfg.Test.TTA
	}
	views, err := TTAViews(tta, cfg.Data.Augment.CropPad)
	if err != nil {
		return res, err
	}
	splits, err := data.Load(DataConfig(cfg))
	if err != nil {
		return res, err
	}
	if got, want := data.EncodeClassList(splits.Classes), meta[MetaClasses]; got != want {
		return res, fmt.Errorf("runner: checkpoint %s was trained on classes %s, the data now has %s", checkpoint, want, got)
	}
	spec := cfg.ModelSpec(len(splits.Classes))
	if err := checkSpec(checkpoint, net.Spec(), spec); err != nil {
		return res, err
	}
	s := splits.Test
	if split == "val" {
		s = splits.Val
	}
	if s == nil || s.Len() == 0 {
		return res, fmt.Errorf("runner: trial %s has no %s split (%s)", t.Name, split, noSplitHint(split, cfg))
	}
	r, err := evaluateSplit(ctx, net, s, cfg.Train.BatchSize, views, false)
	if err != nil {
		return res, err
	}
	return SplitEvaluation{Trial: t.Name, Split: split, TTA: tta, Views: len(views), Images: s.Len(),
		Loss: r.loss, Top1: r.top1, Top5: r.top5}, nil
}

func noSplitHint(split string, cfg *experiments.Experiment) string {
	if split == "val" {
		return "data.split.val is 0"
	}
	return fmt.Sprintf("data.source %s has no test set of its own", cfg.Data.Source)
}
