package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"inceptionlab/cmd/internal/record"
	"inceptionlab/cmd/internal/wire"
	"inceptionlab/data"
	"inceptionlab/experiments"
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
	_, _, ckpt := trainSmoke(t)
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
