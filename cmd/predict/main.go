// Command predict classifies one image with a trained checkpoint, as the tutorial did for daisy_test.jpg,
// or evaluates the checkpoint on a whole split of its trial's data:
//
//	predict -run ID [-db runs/tracking.db] -image FILE [-top 5]
//	predict -checkpoint runs/<experiment>/<trial>/best.safetensors -image FILE [-top 5]
//	predict -run ID [-db runs/tracking.db] -split test|val [-tta none|hflip|crops]
//	predict -checkpoint FILE -config FILE [-set key=value ...] -split test|val [-tta none|hflip|crops]
//
// -split evaluates every image of the split (mean cross-entropy, top-1, top-5) with the trial's own
// data, split and preprocessing: the run's recorded config with -run, or the trial of -config (with
// its -set overrides) whose config hash the checkpoint carries. -tta averages the softmax over views of
// each image (see test.tta in the experiments package): a finished run's checkpoint can be measured
// with test-time augmentation without training again.
//
// -run takes a run id (or an unambiguous prefix) from the tracking database and uses that run's best
// checkpoint, after checking that the file is the one the run recorded (its sha256) and belongs to the
// run's config; a failed check names the file and the check. The image is preprocessed exactly as in training (resize, channels, normalisation).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"inceptionlab/cmd/internal/cli"
	"inceptionlab/experiments"
	"inceptionlab/internal/numfmt"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("predict", "predict (-run ID [-db FILE] | -checkpoint FILE) -image FILE [-top N]\n"+
		"       predict (-run ID [-db FILE] | -checkpoint FILE -config FILE [-set key=value ...]) -split test|val [-tta none|hflip|crops]")
	var runID, db, ckpt, image, split, tta, config string
	var sets []string
	var top int
	fs.StringVar(&split, "split", "", "evaluate on this `split` of the trial's data (test or val) instead of -image")
	fs.StringVar(&tta, "tta", "", "test-time augmentation with -split: `none`, hflip or crops (default: the trial's test.tta)")
	fs.StringVar(&config, "config", "", "experiment config `file` that trained -checkpoint (with -split)")
	fs.Func("set", "config override `key=value` the training run was given (with -config; repeatable)", func(v string) error {
		sets = append(sets, v)
		return nil
	})
	fs.StringVar(&runID, "run", "", "run `id` (or unique prefix) whose best checkpoint to use")
	fs.StringVar(&db, "db", "runs/tracking.db", "tracking database `file` (with -run)")
	fs.StringVar(&ckpt, "checkpoint", "", "checkpoint `file` (.safetensors) instead of -run")
	fs.StringVar(&image, "image", "", "image `file` to classify (JPEG or PNG)")
	fs.IntVar(&top, "top", 5, "how many classes to print (0 = all)")
	if code, ok := cli.Parse(fs, args, stdout, stderr); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return cli.UsageError(stderr, "predict", fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0)))
	case (runID == "") == (ckpt == ""):
		return cli.UsageError(stderr, "predict", errors.New("give exactly one of -run ID or -checkpoint FILE"))
	case image != "" && split != "":
		return cli.UsageError(stderr, "predict", errors.New("give -image FILE or -split test|val, not both"))
	case image == "" && split == "":
		return cli.UsageError(stderr, "predict", errors.New("-image is required (or -split test|val to evaluate a whole split)"))
	case split != "" && !slices.Contains(runner.EvalSplits, split):
		return cli.UsageError(stderr, "predict", fmt.Errorf("-split must be one of %s, got %q", strings.Join(runner.EvalSplits, ", "), split))
	case tta != "" && !slices.Contains(experiments.TTAs, tta):
		return cli.UsageError(stderr, "predict", fmt.Errorf("-tta must be one of %s, got %q", strings.Join(experiments.TTAs, ", "), tta))
	case tta != "" && split == "":
		return cli.UsageError(stderr, "predict", errors.New("-tta needs -split (it averages over views of every image of a split)"))
	case (config != "" || len(sets) > 0) && (split == "" || ckpt == ""):
		return cli.UsageError(stderr, "predict", errors.New("-config and -set go with -checkpoint FILE -split (with -run the run's recorded config is used)"))
	case split != "" && ckpt != "" && config == "":
		return cli.UsageError(stderr, "predict", errors.New("-split with -checkpoint needs -config FILE, the config (and -set overrides) that trained it"))
	case top < 0:
		return cli.UsageError(stderr, "predict", fmt.Errorf("-top must be >= 0, got %d", top))
	}
	var verify runner.Verify
	var exp *experiments.Experiment
	if runID != "" {
		path, v, r, err := bestCheckpoint(db, runID)
		if err != nil {
			return fail(stderr, 1, err)
		}
		ckpt, verify = path, v
		if split != "" {
			if exp, err = experiments.Parse(fmt.Sprintf("the recorded config of run %.8s", r.ID), []byte(r.ConfigText), nil); err != nil {
				return fail(stderr, 1, err)
			}
		}
	} else if split != "" {
		var err error
		if exp, err = experiments.Load(config, sets); err != nil {
			return fail(stderr, 1, err)
		}
	}
	if split != "" {
		res, err := runner.EvaluateCheckpoint(context.Background(), exp, ckpt, verify, split, tta)
		if err != nil {
			return fail(stderr, 1, err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "TRIAL\tSPLIT\tIMAGES\tTTA\tVIEWS\tLOSS\tTOP-1\tTOP-5\tTOP-1 CORRECT\n")
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%.4f\t%s\t%s\t%d\n", res.Trial, res.Split, res.Images, res.TTA, res.Views,
			res.Loss, numfmt.Percent(res.Top1), numfmt.Percent(res.Top5), int(math.Round(res.Top1*float64(res.Images))))
		if err := tw.Flush(); err != nil {
			return fail(stderr, 1, err)
		}
		return 0
	}
	p, err := runner.NewVerifiedPredictor(ckpt, verify)
	if err != nil {
		return fail(stderr, 1, err)
	}
	preds, err := p.Predict(image, top)
	if err != nil {
		return fail(stderr, 1, err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "CLASS\tINDEX\tPROBABILITY\n")
	for _, pr := range preds {
		fmt.Fprintf(tw, "%s\t%d\t%.4f\n", pr.Class, pr.Index, pr.Probability)
	}
	if err := tw.Flush(); err != nil {
		return fail(stderr, 1, err)
	}
	return 0
}

// bestCheckpoint finds the checkpoint-best artifact of a run and what the file must match: the sha256
// the run recorded for it and the run's config hash.
func bestCheckpoint(db, id string) (string, runner.Verify, tracking.RunSummary, error) {
	var v runner.Verify
	var none tracking.RunSummary
	if _, err := os.Stat(db); err != nil {
		return "", v, none, fmt.Errorf("database %s does not exist (give -db, or use -checkpoint FILE)", db)
	}
	st, err := tracking.Open(db, tracking.Options{ReadOnly: true})
	if err != nil {
		return "", v, none, err
	}
	defer st.Close()
	ctx := context.Background()
	r, err := st.Run(ctx, id)
	if err != nil {
		return "", v, none, err
	}
	arts, err := st.Artifacts(ctx, r.ID)
	if err != nil {
		return "", v, none, err
	}
	for _, a := range arts {
		if a.Kind == runner.ArtifactBest {
			return a.Path, runner.Verify{SHA256: a.SHA256, ConfigHash: r.ConfigHash}, r, nil
		}
	}
	return "", v, none, fmt.Errorf("run %s (%s/%s, %s) has no %s artifact", r.ID, r.Experiment, r.Trial, r.Status, runner.ArtifactBest)
}

func fail(stderr io.Writer, code int, err error) int { return cli.Fail(stderr, "predict", code, err) }
