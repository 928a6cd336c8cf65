package experiments

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// checkGolden compares got with testdata/name, or rewrites it under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestAblationExpandsToFourTrials(t *testing.T) {
	e, err := Load("../configs/ablation_1x1.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := e.Trials()
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"reduce=true,aux=true", "reduce=true,aux=false", "reduce=false,aux=true", "reduce=false,aux=false"}
	if len(trials) != len(wantNames) {
		t.Fatalf("got %d trials, want 4", len(trials))
	}
	hashes := map[string]bool{}
	for i, tr := range trials {
		if tr.Index != i || tr.Name != wantNames[i] {
			t.Errorf("trial %d = %d %q, want %d %q", i, tr.Index, tr.Name, i, wantNames[i])
		}
		if len(tr.Hash) != 64 || hashes[tr.Hash] {
			t.Errorf("trial %q hash %q is not a fresh 64-digit hash", tr.Name, tr.Hash)
		}
		hashes[tr.Hash] = true
		if !tr.Config.Sweep.Empty() {
			t.Errorf("trial %q config still has a sweep", tr.Name)
		}
		if tr.Resolved != tr.Config.Resolved() || tr.Hash != tr.Config.Hash() {
			t.Errorf("trial %q Resolved/Hash do not match its Config", tr.Name)
		}
		reduce := strings.HasPrefix(tr.Name, "reduce=true")
		aux := strings.HasSuffix(tr.Name, "aux=true")
		if tr.Config.Model.Inception.Reduce != reduce || tr.Config.Model.Aux.Enabled != aux {
			t.Errorf("trial %q has reduce=%v aux=%v", tr.Name, tr.Config.Model.Inception.Reduce, tr.Config.Model.Aux.Enabled)
		}
	}
	// The base experiment is untouched by the expansion.
	if !e.Model.Inception.Reduce || !e.Model.Aux.Enabled || len(e.Sweep.Grid) != 2 {
		t.Error("Trials modified the experiment")
	}
}

// TestTrialsGolden pins names, overrides and hashes of every config in configs/ and of a few
// inline sweeps, so any change to expansion order, naming or the canonical YAML is noticed.
func TestTrialsGolden(t *testing.T) {
	var b strings.Builder
	files, err := filepath.Glob("../configs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inline := []struct{ name, yaml string }{
		{"variants_and_grid", base + `sweep:
  variants:
    - baseline:
    - no_reduction: {model.inception.reduce: false}
  grid:
    train.lr: [1e-4, 3e-4]
`},
		{"colliding_short_names", base + `sweep:
  grid:
    model.dropout: [0.2]
    model.aux.dropout: [0.1, 0.3]
    data.augment.hflip: [false, true]
`},
		{"list_values", base + `sweep:
  grid:
    model.aux.after: [[4a], [4a, 4d]]
`},
	}
	expand := func(label string, e *Experiment) {
		trials, err := e.Trials()
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		fmt.Fprintf(&b, "%s\n", label)
		for _, tr := range trials {
			fmt.Fprintf(&b, "  %d %s %s %q\n", tr.Index, tr.Name, tr.Hash, tr.Overrides)
		}
	}
	for _, f := range files {
		e, err := Load(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		expand(filepath.Base(f), e)
	}
	for _, in := range inline {
		e, err := Parse(in.name+".yaml", []byte(in.yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		expand(in.name, e)
	}
	checkGolden(t, "trials.golden", b.String())
}

func TestTrialsWithoutSweep(t *testing.T) {
	e, err := Parse("x.yaml", []byte(base), []string{"train.lr=0.01"})
	if err != nil {
		t.Fatal(err)
	}
	trials, err := e.Trials()
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 1 || trials[0].Name != "default" || len(trials[0].Overrides) != 0 {
		t.Fatalf("trials = %+v, want one named default", trials)
	}
	if trials[0].Hash != e.Hash() || trials[0].Config.Train.LR != 0.01 {
		t.Errorf("default trial does not carry the experiment itself")
	}
	if got := trials[0].Config.Overrides; len(got) != 1 || got[0] != "train.lr=0.01" {
		t.Errorf("trial config overrides = %q", got)
	}
}

func TestTrialOrderAndNames(t *testing.T) {
	y := base + `sweep:
  variants:
    - small: {model.width: 0.5, train.batch_size: 8}
    - big: {model.width: 2}
  grid:
    train.lr: [0.001, 3e-4]
    model.aux.enabled: [false, true]
`
	e, err := Parse("x.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := e.Trials()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range trials {
		got = append(got, tr.Name)
	}
	want := []string{
		"small,lr=0.001,aux=false", "small,lr=0.001,aux=true", "small,lr=0.0003,aux=false", "small,lr=0.0003,aux=true",
		"big,lr=0.001,aux=false", "big,lr=0.001,aux=true", "big,lr=0.0003,aux=false", "big,lr=0.0003,aux=true",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("names\n  %q\nwant\n  %q", got, want)
	}
	last := trials[7]
	if o := strings.Join(last.Overrides, " "); o != "model.width=2 train.lr=0.0003 model.aux.enabled=true" {
		t.Errorf("overrides of %s = %q", last.Name, o)
	}
	if last.Config.Model.Width != 2 || last.Config.Train.LR != 3e-4 || !last.Config.Model.Aux.Enabled || last.Config.Train.BatchSize != 32 {
		t.Errorf("trial %s resolved wrongly: %+v", last.Name, last.Config.Train)
	}
	if trials[0].Config.Train.BatchSize != 8 {
		t.Errorf("variant small did not set batch_size")
	}
}

// Re-expanding gives identical names and hashes, and re-loading a trial's overrides on the
// base file reproduces its hash.
func TestTrialsStable(t *testing.T) {
	e, err := Load("../configs/lr_sweep.yaml", []string{"train.epochs=2"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Trials()
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Trials()
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Hash != b[i].Hash || a[i].Resolved != b[i].Resolved {
			t.Errorf("trial %d differs between expansions", i)
		}
		again, err := Load("../configs/lr_sweep.yaml", append([]string{"sweep={}"}, a[i].Config.Overrides...))
		if err != nil {
			t.Fatal(err)
		}
		if again.Hash() != a[i].Hash {
			t.Errorf("trial %s: reloading with %q gives hash %s, want %s", a[i].Name, a[i].Config.Overrides, again.Hash(), a[i].Hash)
		}
	}
}

func TestVariantChangingSourceRederivesDefaults(t *testing.T) {
	y := base + `sweep:
  variants:
    - photos: {data.source: folder, data.path: ./p}
    - small_photos: {data.source: folder, data.path: ./p, data.image_size: 64}
    - fashion: {data.source: fashion-mnist}
`
	e, err := Parse("x.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := e.Trials()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%d %d %d %s", trials[0].Config.Data.ImageSize, trials[1].Config.Data.ImageSize,
		trials[2].Config.Data.ImageSize, trials[2].Config.Data.Path)
	if want := "224 64 32 " + DefaultFashionMNISTPath; got != want {
		t.Errorf("image sizes and path = %s, want %s", got, want)
	}
}

func TestTrialsErrors(t *testing.T) {
	t.Run("too many", func(t *testing.T) {
		e := Default()
		e.Name = "big"
		for _, k := range []string{"seed", "train.epochs", "train.batch_size"} {
			var vals []any
			for i := 1; i <= 30; i++ {
				vals = append(vals, i)
			}
			e.Sweep.Grid = append(e.Sweep.Grid, GridAxis{Key: k, Values: vals})
		}
		_, err := e.Trials()
		if err == nil || !strings.Contains(err.Error(), "expands to more than 10000 trials") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("overlapping grid keys", func(t *testing.T) {
		e := Default()
		e.Name = "x"
		e.Sweep.Grid = []GridAxis{{Key: "data.normalize", Values: []any{map[string]any{"mean": []any{0.4}}}}, {Key: "data.normalize.mean", Values: []any{0.3}}}
		_, err := e.Trials()
		if err == nil || !strings.Contains(err.Error(), "sweep.grid: keys data.normalize and data.normalize.mean overlap") || !errors.Is(err, ErrValue) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("built in Go", func(t *testing.T) {
		e := Default()
		e.Name = "x"
		e.Sweep.Variants = []Variant{{Name: "bad", Overrides: []Override{{Key: "train.lr", Value: "fast", Text: "fast"}}}}
		_, err := e.Trials()
		if err == nil || !strings.Contains(err.Error(), `sweep.variants[0].bad: train.lr: want a number, got "fast"`) {
			t.Fatalf("error %v", err)
		}
	})
}
