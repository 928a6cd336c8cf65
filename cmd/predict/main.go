// Command predict classifies one image with a trained checkpoint, as the tutorial did for daisy_test.jpg:
//
//	predict -run ID [-db runs/tracking.db] -image FILE [-top 5]
//	predict -checkpoint runs/<experiment>/<trial>/best.safetensors -image FILE [-top 5]
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
	"os"
	"text/tabwriter"

	"inceptionlab/cmd/internal/cli"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("predict", "predict (-run ID [-db FILE] | -checkpoint FILE) -image FILE [-top N]")
	var runID, db, ckpt, image string
	var top int
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
	case image == "":
		return cli.UsageError(stderr, "predict", errors.New("-image is required"))
	case (runID == "") == (ckpt == ""):
		return cli.UsageError(stderr, "predict", errors.New("give exactly one of -run ID or -checkpoint FILE"))
	case top < 0:
		return cli.UsageError(stderr, "predict", fmt.Errorf("-top must be >= 0, got %d", top))
	}
	var verify runner.Verify
	if runID != "" {
		path, v, err := bestCheckpoint(db, runID)
		if err != nil {
			return fail(stderr, 1, err)
		}
		ckpt, verify = path, v
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
func bestCheckpoint(db, id string) (string, runner.Verify, error) {
	var v runner.Verify
	if _, err := os.Stat(db); err != nil {
		return "", v, fmt.Errorf("database %s does not exist (give -db, or use -checkpoint FILE)", db)
	}
	st, err := tracking.Open(db, tracking.Options{ReadOnly: true})
	if err != nil {
		return "", v, err
	}
	defer st.Close()
	ctx := context.Background()
	r, err := st.Run(ctx, id)
	if err != nil {
		return "", v, err
	}
	arts, err := st.Artifacts(ctx, r.ID)
	if err != nil {
		return "", v, err
	}
	for _, a := range arts {
		if a.Kind == runner.ArtifactBest {
			return a.Path, runner.Verify{SHA256: a.SHA256, ConfigHash: r.ConfigHash}, nil
		}
	}
	return "", v, fmt.Errorf("run %s (%s/%s, %s) has no %s artifact", r.ID, r.Experiment, r.Trial, r.Status, runner.ArtifactBest)
}

func fail(stderr io.Writer, code int, err error) int { return cli.Fail(stderr, "predict", code, err) }
