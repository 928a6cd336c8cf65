package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"inceptionlab/cmd/internal/record"
	"inceptionlab/cmd/internal/wire"
	"inceptionlab/data"
	"inceptionlab/experiments"
	"inceptionlab/internal/numfmt"
	"inceptionlab/runner"
	"inceptionlab/tracking"
)

var trained struct {
	once     sync.Once
	dir, db  string
	runID    string
	bestCkpt string
	err      error
}

// trainSmoke trains configs/smoke.yaml once for all tests in this package (about a second).
func trainSmoke(t *testing.T) (db, runID, ckpt string) {
	t.Helper()
	trained.once.Do(func() {
		dir, err := os.MkdirTemp("", "predict-test-")
		if err != nil {
			trained.err = err
			return
		}
		trained.dir, trained.db = dir, filepath.Join(dir, "tracking.db")
		exp, err := experiments.Load("../../configs/smoke.yaml", nil)
		if err != nil {
			trained.err = err
			return
		}
		st, err := tracking.Open(trained.db, tracking.Options{})
		if err != nil {
			trained.err = err
			return
		}
		defer st.Close()
		res, err := runner.Run(context.Background(), exp, record.New(st, wire.Build{}), runner.Options{OutDir: dir, Index: -1})
		if err != nil {
			trained.err = err
			return
		}
		trained.runID = res[0].RunID
		trained.bestCkpt = filepath.Join(res[0].Dir, runner.BestCheckpoint)
	})
	if trained.err != nil {
		t.Fatal(trained.err)
	}
	return trained.db, trained.runID, trained.bestCkpt
}

func TestMain(m *testing.M) {
	code := m.Run()
	if trained.dir != "" {
		os.RemoveAll(trained.dir)
	}
	os.Exit(code)
}

func writePNG(t *testing.T, path string, w, h int, gray bool) {
	t.Helper()
	var img image.Image
	if gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = uint8(i * 7)
		}
		img = g
	} else {
		c := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
			}
		}
		img = c
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestPredictFromCheckpointAndRun(t *testing.T) {
	db, id, ckpt := trainSmoke(t)
	dir := t.TempDir()
	gray := filepath.Join(dir, "shirt.png")
	writePNG(t, gray, 28, 28, true)
	rgb := filepath.Join(dir, "photo.png")
	writePNG(t, rgb, 300, 200, false) // a colour photo of another size: resized and converted to gray
	for _, args := range [][]string{
		{"-checkpoint", ckpt, "-image", gray},
		{"-run", id[:8], "-db", db, "-image", gray},
		{"-checkpoint", ckpt, "-image", rgb, "-top", "3"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		want := 6
		if args[len(args)-2] == "-top" {
			want = 4
		}
		if len(lines) != want || !strings.HasPrefix(lines[0], "CLASS") {
			t.Fatalf("%v: output\n%s", args, out.String())
		}
		known := strings.Join(data.FashionMNISTClasses, "|")
		for _, l := range lines[1:] {
			if !strings.Contains(known, strings.Fields(l)[0]) {
				t.Errorf("%v: line %q names no Fashion-MNIST class", args, l)
			}
		}
	}
	// The probabilities of all classes sum to 1.
	p, err := runner.NewPredictor(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	preds, err := p.Predict(gray, 0)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for i, pr := range preds {
		sum += pr.Probability
		if i > 0 && pr.Probability > preds[i-1].Probability {
			t.Errorf("predictions not sorted: %v", preds)
		}
	}
	if len(preds) != 10 || sum < 0.999 || sum > 1.001 {
		t.Errorf("%d predictions summing to %v, want 10 summing to 1", len(preds), sum)
	}
}

func TestPredictErrors(t *testing.T) {
	db, id, ckpt := trainSmoke(t)
	smoke := "../../configs/smoke.yaml"
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.png")
	os.WriteFile(text, []byte("not an image"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no image", []string{"-checkpoint", ckpt}, 2, "-image is required"},
		{"both sources", []string{"-checkpoint", ckpt, "-run", "x", "-image", text}, 2, "exactly one of"},
		{"missing image", []string{"-checkpoint", ckpt, "-image", filepath.Join(dir, "daisy_test.jpg")}, 1, "daisy_test.jpg"},
		{"not an image", []string{"-checkpoint", ckpt, "-image", text}, 1, "notes.png"},
		{"missing checkpoint", []string{"-checkpoint", filepath.Join(dir, "none.safetensors"), "-image", text}, 1, "none.safetensors"},
		{"not a checkpoint", []string{"-checkpoint", text, "-image", text}, 1, "notes.png"},
		{"missing db", []string{"-run", "abc", "-db", filepath.Join(dir, "no.db"), "-image", text}, 1, "does not exist"},
		{"negative top", []string{"-checkpoint", ckpt, "-image", text, "-top", "-1"}, 2, "-top"},
		{"image and split", []string{"-checkpoint", ckpt, "-image", "x.png", "-split", "test"}, 2, "not both"},
		{"bad split", []string{"-run", id, "-db", db, "-split", "train"}, 2, `-split must be one of test, val, got "train"`},
		{"bad tta", []string{"-run", id, "-db", db, "-split", "test", "-tta", "flip"}, 2, `-tta must be one of none, hflip, crops, got "flip"`},
		{"tta without split", []string{"-checkpoint", ckpt, "-image", "x.png", "-tta", "hflip"}, 2, "-tta needs -split"},
		{"checkpoint without config", []string{"-checkpoint", ckpt, "-split", "test"}, 2, "needs -config FILE"},
		{"config with run", []string{"-run", id, "-db", db, "-config", smoke, "-split", "test"}, 2, "-config and -set go with -checkpoint"},
		{"wrong overrides", []string{"-checkpoint", ckpt, "-config", smoke, "-set", "train.lr=0.01", "-split", "test"}, 1, "none of the 1 trial(s)"},
		{"bad override", []string{"-checkpoint", ckpt, "-config", smoke, "-set", "train.lr=fast", "-split", "test"}, 1, "train.lr"},
		{"crops without crop_pad", []string{"-run", id, "-db", db, "-split", "test", "-tta", "crops"}, 1, "data.augment.crop_pad pixels, which is 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d stderr %q; want exit %d mentioning %q", code, errb.String(), tc.code, tc.want)
			}
			if strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 {
				t.Errorf("error is not one line: %q", errb.String())
			}
		})
	}
}

// TestPredictSplit evaluates finished runs' checkpoints on their test split, by run id and by checkpoint
// and config, and checks the result is the one the runner recorded when it trained them, with and
// without test-time augmentation (a second run trained with test.tta=hflip).
func TestPredictSplit(t *testing.T) {
	db, id, ckpt := trainSmoke(t)
	exp, err := experiments.Load("../../configs/smoke.yaml", []string{"test.tta=hflip"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := tracking.Open(db, tracking.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := runner.Run(context.Background(), exp, record.New(st, wire.Build{}), runner.Options{OutDir: filepath.Dir(filepath.Dir(filepath.Dir(ckpt))), Index: -1})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	hflipID, hflipCkpt := res[0].RunID, filepath.Join(res[0].Dir, runner.BestCheckpoint)

	recorded := func(id string) string {
		st, err := tracking.Open(db, tracking.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		r, err := st.Run(context.Background(), id)
		if err != nil || r.TestLoss == nil {
			t.Fatalf("run %s: %v, test metrics %v", id, err, r.TestLoss)
		}
		return fmt.Sprintf("%.4f %s %s %d", *r.TestLoss, numfmt.Percent(*r.TestTop1), numfmt.Percent(*r.TestTop5), int(math.Round(*r.TestTop1*80)))
	}
	for _, tc := range []struct {
		name, tta string
		views     int
		want      string // the recorded test metrics this evaluation must reproduce
		args      []string
	}{
		{"run", "none", 1, recorded(id), []string{"-run", id[:8], "-db", db, "-split", "test"}},
		{"checkpoint and config", "none", 1, recorded(id), []string{"-checkpoint", ckpt, "-config", "../../configs/smoke.yaml", "-split", "test"}},
		{"run trained with hflip", "hflip", 2, recorded(hflipID), []string{"-run", hflipID, "-db", db, "-split", "test"}},
		{"checkpoint with -set", "hflip", 2, recorded(hflipID), []string{"-checkpoint", hflipCkpt, "-config", "../../configs/smoke.yaml", "-set", "test.tta=hflip", "-split", "test"}},
		{"-tta overrides the trial's", "hflip", 2, "", []string{"-run", id, "-db", db, "-split", "test", "-tta", "hflip"}},
		{"val split", "none", 1, "", []string{"-run", id, "-db", db, "-split", "val"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "TRIAL") {
				t.Fatalf("output\n%s", out.String())
			}
			f := strings.Fields(lines[1])
			split := tc.args[slices.Index(tc.args, "-split")+1]
			if len(f) != 9 || f[1] != split || f[3] != tc.tta || f[4] != strconv.Itoa(tc.views) {
				t.Fatalf("row %q, want split %s, tta %s, %d views", lines[1], split, tc.tta, tc.views)
			}
			if want := map[string]string{"test": "80", "val": "20"}[split]; f[2] != want {
				t.Errorf("%s images, want %s", f[2], want)
			}
			if got := strings.Join(f[5:], " "); tc.want != "" && got != tc.want {
				t.Errorf("metrics %s, the runner recorded %s", got, tc.want)
			}
		})
	}
}
