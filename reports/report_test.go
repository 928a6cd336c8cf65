package reports

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	update     = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")
	fixtureDir = flag.String("fixture", "", "TestReportGolden: render the fixture into this directory "+
		"(x.db, out/report.html, charts/) to look at it")
)

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %.300s\nwant: %.300s\n(go test ./reports -update rewrites it)",
					path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d (go test ./reports -update rewrites it)",
			path, len(gl), len(wl))
	}
}

func testStudy() *Study {
	return &Study{
		Example:   StudyExample{In: 512, Reduce: 24, Out: 64, K: 5, Naive: 819200, Reduced: 50688},
		ImageSize: 32,
		Blocks: []StudyBlock{
			{Name: "3a", ReduceParams: 40000, NaiveParams: 120000, ReduceMACs: 640000, NaiveMACs: 1920000},
			{Name: "<i>4a</i>", ReduceParams: 90000, NaiveParams: 380000, ReduceMACs: 360000, NaiveMACs: 1520000},
		},
		Blocks224: []StudyBlock{
			{Name: "3a", ReduceParams: 163696, NaiveParams: 480000, ReduceMACs: 128 << 20, NaiveMACs: 376 << 20,
				PaperParams: 159 * 1024, PaperOps: 128e6, Note: "Matches."},
			{Name: "4a", ReduceParams: 376176, NaiveParams: 1500000, ReduceMACs: 73e6, NaiveMACs: 294e6,
				PaperParams: 364 * 1024, PaperOps: 73e6, Note: "Ops match."},
			{Name: "5c", ReduceParams: 10, NaiveParams: 20, ReduceMACs: 30, NaiveMACs: 40},
		},
		Totals: []StudyTotal{
			{Variant: "reduce", Aux: true, Params: 3406432, MACs: 66410496},
			{Variant: "naive+proj", Aux: true, Params: 9841056, MACs: 189770752},
			{Variant: "reduce", Aux: false, Params: 2510218, MACs: 66410496},
			{Variant: "naive+proj", Aux: false, Params: 8944842, MACs: 189770752},
		},
	}
}

func fixtureOptions(dir string) Options {
	return Options{Experiment: "ablation_1x1", ConfigFile: "configs/ablation_1x1.yaml", Study: testStudy(),
		ChartsDir: filepath.Join(dir, "charts"), Now: fixedNow,
		Build: map[string]string{"go": "go1.26.0", "host": "lab-1", "commit": "0123abcd"}}
}

// renderFixture writes the fixture report into dir/out/report.html and
// returns its bytes.
func renderFixture(t *testing.T, dir string) []byte {
	t.Helper()
	st := openRO(t, buildFixture(t, dir))
	out := filepath.Join(dir, "out", "report.html")
	if err := WriteFile(ctx, st, fixtureOptions(dir), out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReportGolden(t *testing.T) {
	dir := t.TempDir()
	if *fixtureDir != "" {
		dir = *fixtureDir
		if err := os.RemoveAll(filepath.Join(dir, "x.db")); err != nil {
			t.Fatal(err)
		}
	}
	html := renderFixture(t, dir)
	golden(t, "report.html.golden", html)
	for _, name := range []string{"ablation_reduce.svg", "curve_val_top1.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, "charts", name))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name+".golden", b)
	}
}

func TestReportDeterministic(t *testing.T) {
	a := renderFixture(t, t.TempDir())
	b := renderFixture(t, t.TempDir())
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same fixture differ")
	}
}

func TestReportContent(t *testing.T) {
	html := string(renderFixture(t, t.TempDir()))
	mustContain := []struct{ what, s string }{
		{"escaped trial name", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"escaped config text", "name: &lt;script&gt;alert(2)&lt;/script&gt;"},
		{"escaped tag", "&lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34;"},
		{"failed run error", "loss diverged: NaN at epoch 1"},
		{"killed run error", "context canceled (SIGINT)"},
		{"failed status badge", `<span class="status s-FAILED">FAILED</span>`},
		{"killed status badge", `<span class="status s-KILLED">KILLED</span>`},
		{"status counts", `<span class="status s-FINISHED">FINISHED</span> 6`},
		{"trial count", "7 trials, 8 runs"},
		{"superseded rerun", "Superseded: the trial is represented by run 00000005-0000-4000-8000-000000000005"},
		{"resume link", "00000004-0000-4000-8000-000000000004"},
		{"reduce ablation", `id="ablation-reduce"`},
		{"aux ablation", `id="ablation-aux"`},
		{"reduce sentence", "naive vs reduce (aux): 2.89x the params, 2.86x the multiply-adds"},
		{"seed spread", "(n=2)"},
		{"seed means", "(means over 1 vs 2 seeds)"},
		{"unpaired trial", "Not compared (no finished trial differing only in this setting): &lt;script&gt;"},
		{"missing MACs as dash", `<td class="n" data-sort="">—</td>`},
		{"study example", "819,200 weights"},
		{"study reduced", "50,688"},
		{"paper params", ">159K<"},
		{"paper ops", ">128M<"},
		{"escaped study block", "&lt;i&gt;4a&lt;/i&gt;"},
		{"relative artifact link", `href="../runs/ablation_1x1/reduce=true,aux=true/best.safetensors"`},
		{"config collapsed", "<details><summary>Resolved config</summary>"},
		{"build fact", "<dt>commit</dt><dd>0123abcd</dd>"},
		{"backend fact", "gonum pure-Go BLAS"},
		{"sortable table", `<table class="sortable first-sticky" id="trial-table">`},
		{"ready marker", "document.body.dataset.ready"},
	}
	for _, c := range mustContain {
		if !strings.Contains(html, c.s) {
			t.Errorf("%s: report lacks %q", c.what, c.s)
		}
	}
	mustNot := []struct{ what, s string }{
		{"raw script from a trial name", "<script>alert(1)"},
		{"raw script from config", "<script>alert(2)"},
		{"raw tag markup", "<b>bold</b>"},
		{"network URL", "http://"},
		{"network URL", "https://"},
		{"external stylesheet", "<link"},
		{"external resource", " src="},
		{"unescaped template value", "ZgotmplZ"},
		{"NaN text", "NaN%"},
	}
	for _, c := range mustNot {
		if strings.Contains(html, c.s) {
			t.Errorf("%s: report contains %q", c.what, c.s)
		}
	}
	if n := strings.Count(html, "<script"); n != 1 {
		t.Errorf("report has %d <script> elements, want 1 (the sort script)", n)
	}
	// Two ablation charts, five learning curves (main-head and weighted-total training loss) and the
	// hyperparameter view, all inline.
	if n := strings.Count(html, `<svg class="chart"`); n != 8 {
		t.Errorf("report has %d inline charts, want 8", n)
	}
	// The killed run is listed although its trial is represented by the rerun.
	if !regexp.MustCompile(`(?s)id="run-00000004-[^"]*">\s*<h3>reduce=false,aux=false <span class="status s-KILLED">`).
		MatchString(html) {
		t.Error("the killed run is not listed with its status")
	}
}

func TestChartFiles(t *testing.T) {
	dir := t.TempDir()
	renderFixture(t, dir)
	for _, name := range []string{"ablation_reduce", "ablation_aux", "curve_train_loss", "curve_val_loss",
		"curve_train_top1", "curve_val_top1"} {
		svg, err := os.ReadFile(filepath.Join(dir, "charts", name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(svg, []byte("<?xml")) || !bytes.Contains(svg, []byte("</svg>")) {
			t.Errorf("%s.svg is not a standalone SVG document", name)
		}
		png, err := os.ReadFile(filepath.Join(dir, "charts", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s.png is not a PNG", name)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "charts", ".*tmp*"))
	left2, _ := filepath.Glob(filepath.Join(dir, "out", ".*tmp*"))
	if len(left)+len(left2) > 0 {
		t.Errorf("temporary files left behind: %v %v", left, left2)
	}
}

func TestNoRuns(t *testing.T) {
	dir := t.TempDir()
	path := buildFixture(t, dir)
	st := openRO(t, path)
	var b bytes.Buffer
	err := Generate(ctx, st, Options{Experiment: "nope", Now: fixedNow}, &b)
	if !errors.Is(err, ErrNoRuns) {
		t.Fatalf("err = %v, want ErrNoRuns", err)
	}
	want := `reports: experiment "nope" has no runs in ` + path + ` (experiments: ablation_1x1, smoke)`
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	if b.Len() != 0 {
		t.Errorf("Generate wrote %d bytes before failing", b.Len())
	}

	empty := filepath.Join(dir, "empty.db")
	est, err := openWritable(empty)
	if err != nil {
		t.Fatal(err)
	}
	defer est.Close()
	err = Generate(ctx, est, Options{Experiment: "x"}, &b)
	if !errors.Is(err, ErrNoRuns) || !strings.Contains(err.Error(), "it has no experiments") {
		t.Errorf("empty database: err = %v", err)
	}
}

func TestBadOptions(t *testing.T) {
	st := openRO(t, buildFixture(t, t.TempDir()))
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"no experiment", func() error { return Generate(ctx, st, Options{}, &bytes.Buffer{}) },
			`reports: Options.Experiment ""`},
		{"no store", func() error { return Generate(ctx, nil, Options{Experiment: "x"}, &bytes.Buffer{}) },
			"reports: nil store"},
		{"empty path", func() error { return WriteFile(ctx, st, Options{Experiment: "smoke"}, "") },
			`reports: output path ""`},
		{"path is a directory", func() error {
			return WriteFile(ctx, st, Options{Experiment: "smoke"}, t.TempDir())
		}, "reports: writing "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestSingleRunAndNoStudy(t *testing.T) {
	st := openRO(t, buildFixture(t, t.TempDir()))
	var b bytes.Buffer
	if err := Generate(ctx, st, Options{Experiment: "smoke", Now: fixedNow}, &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, s := range []string{
		`id="chart-curve_loss"`, `id="chart-curve_top1"`, "Training and validation curves of the single trial.",
		"Study not available", "No ablation:", "Config file</dt><dd class=\"mono\">—</dd>", ">training<", ">validation<",
	} {
		if !strings.Contains(html, s) {
			t.Errorf("single-run report lacks %q", s)
		}
	}
	if n := strings.Count(html, `<svg class="chart"`); n != 2 {
		t.Errorf("single-run report has %d charts, want 2", n)
	}
}
