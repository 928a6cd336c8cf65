package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"inceptionlab/cmd/internal/record"
	"inceptionlab/cmd/internal/wire"
	"inceptionlab/experiments"
	"inceptionlab/model"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

// forge overwrites path with a checkpoint of another architecture (twice the width) that carries the
// original's runner metadata, config hash and run id included.
func forge(t *testing.T, path string) {
	t.Helper()
	net, meta, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	keep := map[string]string{}
	for k, v := range meta {
		if !strings.HasPrefix(k, "inceptionlab.") && !strings.HasPrefix(k, "adam.") {
			keep[k] = v
		}
	}
	spec := net.Spec()
	spec.Width *= 2
	other, err := model.New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	if meta[model.MetaKind] == "training" {
		err = other.SaveTraining(path, keep)
	} else {
		err = other.SaveWeights(path, keep)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Issue 15 case 4: predict -run verifies the checkpoint against what the run recorded.
func TestPredictRunRejectsReplacedCheckpoint(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tracking.db")
	exp, err := experiments.Load("../../configs/smoke.yaml", []string{"train.epochs=1"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := tracking.Open(db, tracking.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := runner.Run(context.Background(), exp, record.New(st, wire.Build{}), runner.Options{OutDir: dir, Index: -1})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	best := filepath.Join(res[0].Dir, runner.BestCheckpoint)
	img := filepath.Join(dir, "shirt.png")
	writePNG(t, img, 28, 28, true)
	forge(t, best)
	var out, errb bytes.Buffer
	code := run([]string{"-run", res[0].RunID, "-db", db, "-image", img}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), best) || !strings.Contains(errb.String(), "sha256") {
		t.Fatalf("exit %d, stderr %q; want exit 1 naming %s and the failed sha256 check", code, errb.String(), best)
	}
}

// Issue 15 case 8: predict -image /dev/zero is rejected at once instead of reading until memory runs out.
func TestPredictImageDevZero(t *testing.T) {
	_, _, ckpt := trainSmoke(t)
	var out, errb bytes.Buffer
	code := run([]string{"-checkpoint", ckpt, "-image", "/dev/zero"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "/dev/zero") || !strings.Contains(errb.String(), "not a regular file") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
