package reports

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"inceptionlab/tracking"
)

// evidenceRun is one run of the evidence fixture.
type evidenceRun struct {
	trial  string
	seed   int64
	params map[string]string
	right  func(ex int) bool // which of the 30 test examples the run gets right
	top1   float64           // best val top-1
}

// tinyPNG is a 4x4 gray square of shade v.
func tinyPNG(t testing.TB, v uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = v + uint8(i)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// buildEvidenceFixture writes two experiments with per-example evidence into dir/e.db:
//   - "seeds": aux heads on/off x seeds 1, 2, 3, 30 test examples of 3 classes each; aux gets 6 to 8 more
//     right per seed, so the Welch test over seeds separates them while single seeds' McNemar tests do not;
//   - "lr": three learning rates, one seed each (the scatter with a log x axis).
func buildEvidenceFixture(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "e.db")
	clk := &tick{t: time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)}
	st, err := tracking.Open(path, tracking.Options{Now: clk.Now, NewID: seqIDs()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var runs []struct {
		exp string
		evidenceRun
	}
	add := func(exp string, r evidenceRun) {
		runs = append(runs, struct {
			exp string
			evidenceRun
		}{exp, r})
	}
	for _, aux := range []bool{true, false} {
		for seed := int64(1); seed <= 3; seed++ {
			p := baseParams(true, aux, seed)
			seed, aux := seed, aux
			right := func(ex int) bool { // no aux: 16-18 of 30 right; aux: those plus 6-8 more
				k := int(seed)
				if ex < 16+k%3 {
					return true
				}
				return aux && ex < 22+k%3+k/3
			}
			name := fmt.Sprintf("aux=%v,seed=%d", aux, seed)
			add("seeds", evidenceRun{trial: name, seed: seed, params: p, right: right,
				top1: 0.55 + 0.01*float64(seed) + map[bool]float64{true: 0.2, false: 0}[aux]})
		}
	}
	for i, lr := range []string{"0.0001", "0.001", "0.01"} {
		p := baseParams(true, true, 1)
		p["train.lr"] = lr
		n := 12 + 6*i
		add("lr", evidenceRun{trial: "lr=" + lr, seed: 1, params: p, right: func(ex int) bool { return ex < n },
			top1: 0.4 + 0.1*float64(i)})
	}
	classes := []string{"cat", "dog", "emu"}
	for i, r := range runs {
		run, err := st.StartRun(ctx, tracking.RunInfo{Experiment: r.exp, Trial: r.trial, ConfigHash: fmt.Sprintf("e-%02d", i),
			ConfigText: "seed: " + fmt.Sprint(r.seed) + "\n", Seed: r.seed, Params: r.params, Host: "lab-1", PID: 4242,
			GoVersion: "go1.26.0", Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		for e := 1; e <= 3; e++ {
			f := float64(e) / 3
			if err := run.LogEpoch(ctx, tracking.Epoch{Epoch: e, TrainLoss: 2 - f + 0.01*float64(r.seed), TrainTop1: r.top1 * f,
				ValLoss: 2.1 - f, ValTop1: r.top1 * f, ValTop5: 0.9, LR: 0.001, Seconds: 10 + float64(i),
				ImagesPerSec: 100, MainLoss: 1.6 - f, AuxLoss: 0.4}); err != nil {
				t.Fatal(err)
			}
		}
		var preds []tracking.Prediction
		var thumbs []tracking.Thumbnail
		correct := 0
		for ex := 0; ex < 30; ex++ {
			label := ex % 3
			pred := label
			if !r.right(ex) {
				pred = (label + 1 + ex%2) % 3
				if len(thumbs) < 20 {
					thumbs = append(thumbs, tracking.Thumbnail{Example: ex, PNG: tinyPNG(t, uint8(10*ex))})
				}
			} else {
				correct++
			}
			preds = append(preds, tracking.Prediction{Example: ex, Label: label, Pred: pred, PTrue: 0.5, Top5: []int{pred}})
		}
		m, err := tracking.ConfusionOf(preds, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.SetClasses(ctx, classes); err != nil {
			t.Fatal(err)
		}
		if err := run.SetEvaluation(ctx, tracking.Evaluation{Split: tracking.SplitTest, Predictions: preds, Confusion: m,
			Thumbnails: thumbs}); err != nil {
			t.Fatal(err)
		}
		val := [][]int{{8, 1, 1}, {2, 7, 1}, {0, 1, 9}}
		if err := run.SetEvaluation(ctx, tracking.Evaluation{Split: tracking.SplitVal, Confusion: val}); err != nil {
			t.Fatal(err)
		}
		if err := run.SetTestMetrics(ctx, 1, float64(correct)/30, 1); err != nil {
			t.Fatal(err)
		}
		if err := run.Finish(ctx, tracking.Finished, ""); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// renderEvidence renders experiment exp of the evidence fixture into dir/out/exp.html.
func renderEvidence(t *testing.T, dir, exp string) []byte {
	t.Helper()
	st := openRO(t, buildEvidenceFixture(t, dir))
	out := filepath.Join(dir, "out", exp+".html")
	opts := Options{Experiment: exp, Now: fixedNow, ChartsDir: filepath.Join(dir, "charts-"+exp)}
	if err := WriteFile(ctx, st, opts, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEvidenceGolden covers the sections built from per-example evidence and seeds: verdicts with
// intervals and p-values, the paired table, the variants table, per-class accuracy, confusion
// heatmaps, misclassified thumbnails, the hyperparameter views and the seed-band curves.
func TestEvidenceGolden(t *testing.T) {
	for _, exp := range []string{"seeds", "lr"} {
		t.Run(exp, func(t *testing.T) {
			dir := t.TempDir()
			if *fixtureDir != "" {
				dir = filepath.Join(*fixtureDir, exp)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				os.Remove(filepath.Join(dir, "e.db"))
			}
			html := renderEvidence(t, dir, exp)
			golden(t, "report_"+exp+".html.golden", html)
			b, err := os.ReadFile(filepath.Join(dir, "charts-"+exp, "hparams.svg"))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "hparams_"+exp+".svg.golden", b)
		})
	}
}

func TestEvidenceContent(t *testing.T) {
	page := string(renderEvidence(t, t.TempDir(), "seeds"))
	text := html.UnescapeString(page)
	mustContain := []struct{ what, s string }{
		// best val top-1 0.76, 0.77, 0.78 vs 0.56, 0.57, 0.58: SE sqrt(2·0.01²/3), df 4, t(0.975; 4) = 2.776.
		{"Welch verdict separates aux", "aux vs no aux, best val top-1: aux − no aux = +20.0 points (95% CI +17.7 to +22.3"},
		{"Welch verdict test", "aux is higher (the 95% CI excludes 0)"},
		{"single-seed paired tests", "paired on the same 30 test images seed by seed: exact McNemar p: 0.031, 0.031, 0.016"}, // 6, 6, 7 discordant pairs: 2/2^6, 2/2^6, 2/2^7
		{"paired table reading", "<td>aux higher</td>"},
		{"variants table", `id="variant-table"`},
		{"variants mean ± CI", "± "},
		{"confusion heatmap", `<table class="heat first-sticky">`},
		{"class names", "<th>emu</th>"},
		{"per-class val column", `<th class="n">val</th>`},
		{"thumbnail data URI", `src="data:image/png;base64,`},
		{"thumbnail caption", `<span class="true">cat</span><br><span class="pred">→ emu</span>`},
		{"parallel coordinates", "Parallel coordinates of model.aux.enabled"},
		{"seed band legend", "aux (mean of 3 seeds)"},
		{"main loss chart", "Training loss (main head)"},
		{"total loss chart", "Training loss incl. weighted aux heads"},
	}
	for _, c := range mustContain {
		if !strings.Contains(text, c.s) {
			t.Errorf("%s: report lacks %q", c.what, c.s)
		}
	}
	for _, src := range regexp.MustCompile(` src="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(src[1], "data:image/png;base64,") {
			t.Errorf("image source %.60q is not an embedded PNG", src[1])
		}
	}
	if strings.Contains(page, `http-equiv="refresh"`) {
		t.Error("a report without RUNNING runs reloads itself")
	}
	lr := html.UnescapeString(string(renderEvidence(t, t.TempDir(), "lr")))
	if !strings.Contains(lr, "One numeric key varies (train.lr)") || !strings.Contains(lr, "Accuracy vs lr") {
		t.Error("the lr sweep has no scatter of accuracy against lr")
	}
}

// TestPooledCell checks the per-class cell: counts pooled over the runs, the
// Wilson interval of the pooled proportion, runs without the class skipped.
func TestPooledCell(t *testing.T) {
	a := countClasses([][]int{{2, 2}, {0, 4}}, 1) // class 0: 2/4, class 1: 4/4
	b := countClasses([][]int{{3, 1}, {1, 3}}, 2) // class 0: 3/4, class 1: 3/4
	c := countClasses([][]int{{0, 0}, {0, 5}}, 3) // class 0: no examples
	tests := []struct {
		name      string
		runs      []classCounts
		class     int
		main, sub string
	}{
		{"pooled", []classCounts{a, b}, 0, "62.5% (5/8)", "30.6–86.3"},
		{"all correct", []classCounts{a}, 1, "100.0% (4/4)", "51.0–100.0"},
		{"run without the class", []classCounts{a, c}, 0, "50.0% (2/4)", "15.0–85.0"},
		{"no examples", []classCounts{c}, 0, "—", ""},
		{"class beyond the matrix", []classCounts{a}, 5, "—", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := pooledCell(tc.runs, tc.class)
			if got.Main != tc.main || got.Sub != tc.sub {
				t.Errorf("pooledCell = %q / %q, want %q / %q", got.Main, got.Sub, tc.main, tc.sub)
			}
		})
	}
}
