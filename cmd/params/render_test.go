package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inceptionlab/model/arch"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, rewriting it under -update.
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
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func plan(t *testing.T, edit func(*arch.Spec)) *arch.Plan {
	t.Helper()
	s := arch.DefaultSpec(1000)
	if edit != nil {
		edit(&s)
	}
	p, err := arch.NewPlan(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRenderTableGolden(t *testing.T) {
	tests := []struct {
		name string
		edit func(*arch.Spec)
	}{
		{"table_224", nil},
		{"table_224_10classes", func(s *arch.Spec) { s.NumClasses = 10 }},
		{"table_32_naive_pure", func(s *arch.Spec) { s.ImageSize, s.NumClasses, s.Reduce, s.PoolProj = 32, 10, false, false }},
		{"table_96_width_half", func(s *arch.Spec) { s.ImageSize, s.NumClasses, s.Width = 96, 10, 0.5 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, asJSON := range []bool{false, true} {
				var buf bytes.Buffer
				if err := renderTable(&buf, plan(t, tc.edit), asJSON); err != nil {
					t.Fatal(err)
				}
				name := tc.name + ".golden"
				if asJSON {
					name = tc.name + ".json.golden"
				}
				golden(t, name, buf.Bytes())
			}
		})
	}
}

// TestRenderTableJSON checks the JSON contract field by field: exactly the documented keys, totals equal
// to the sums of the rows, out_shape as [C,H,W].
func TestRenderTableJSON(t *testing.T) {
	p := plan(t, nil)
	var buf bytes.Buffer
	if err := renderTable(&buf, p, true); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	if len(keys) != 5 {
		t.Errorf("keys %v, want total_params total_macs image_size num_classes blocks", keys)
	}
	var out struct {
		TotalParams, TotalMACs int64
		ImageSize, NumClasses  int
		Blocks                 []map[string]json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	var typed tableJSON
	if err := dec.Decode(&typed); err != nil {
		t.Fatal(err)
	}
	out.TotalParams, out.TotalMACs, out.ImageSize, out.NumClasses = typed.TotalParams, typed.TotalMACs, typed.ImageSize, typed.NumClasses
	json.Unmarshal(raw["blocks"], &out.Blocks)
	var sumP, sumM int64
	for i, b := range out.Blocks {
		if len(b) != 4 || b["name"] == nil || b["params"] == nil || b["macs"] == nil || b["out_shape"] == nil {
			t.Errorf("block %d has fields %v", i, b)
		}
		sumP += typed.Blocks[i].Params
		sumM += typed.Blocks[i].MACs
	}
	if out.TotalParams != sumP || out.TotalMACs != sumM || out.TotalParams != p.TotalParams(true) {
		t.Errorf("totals %d/%d, row sums %d/%d", out.TotalParams, out.TotalMACs, sumP, sumM)
	}
	if out.ImageSize != 224 || out.NumClasses != 1000 {
		t.Errorf("image_size %d num_classes %d", out.ImageSize, out.NumClasses)
	}
	if got := string(out.Blocks[0]["out_shape"]); strings.Join(strings.Fields(got), "") != "[64,112,112]" {
		t.Errorf("conv1 out_shape %s, want [64,112,112]", got)
	}
}

func TestRenderTablePaperColumns(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*arch.Spec)
		paper     bool
		fragments []string
	}{
		{"paper", nil, true, []string{"159K", "inception_5a (paper 1072K params, 54M ops)", "1.58 G MACs", "1502 M"}},
		{"size", func(s *arch.Spec) { s.ImageSize = 225 }, false, []string{"this model's input is 225x225"}},
		{"naive", func(s *arch.Spec) { s.Reduce = false }, false, []string{"naive Inception module"}},
		{"width", func(s *arch.Spec) { s.Width = 2 }, false, []string{"its width is 2"}},
		{"gray", func(s *arch.Spec) { s.InChannels = 1 }, false, []string{"1 input channel"}},
		{"blocks", func(s *arch.Spec) { s.Blocks = s.Blocks[:3]; s.Aux.After = []string{"4a"} }, false, []string{"block table differs"}},
		{"small aux", func(s *arch.Spec) { s.ImageSize = 64 }, false, []string{"aux1: the 4x4 map under it is smaller than 5x5"}},
		{"odd aux", func(s *arch.Spec) { s.ImageSize = 96 }, false, []string{"aux1: the 5/3 average pool turns the 6x6 map into 1x1 (4x4 at 224), so fc1 has 128 inputs instead of 2,048"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := renderTable(&buf, plan(t, tc.edit), false); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if got := strings.Contains(out, "paper columns:"); got != tc.paper {
				t.Errorf("paper columns shown = %v, want %v", got, tc.paper)
			}
			for _, f := range tc.fragments {
				if !strings.Contains(out, f) {
					t.Errorf("output lacks %q:\n%s", f, out)
				}
			}
		})
	}
}

func TestRenderStudyGolden(t *testing.T) {
	for _, tc := range []struct {
		name             string
		size, numClasses int
	}{{"study_224", 224, 1000}, {"study_32", 32, 10}} {
		t.Run(tc.name, func(t *testing.T) {
			for _, asJSON := range []bool{false, true} {
				var buf bytes.Buffer
				if err := renderStudy(&buf, paperSpec(tc.size, tc.numClasses), asJSON); err != nil {
					t.Fatal(err)
				}
				name := tc.name + ".golden"
				if asJSON {
					name = tc.name + ".json.golden"
				}
				golden(t, name, buf.Bytes())
			}
		})
	}
}

func TestRenderStudyContents(t *testing.T) {
	var buf bytes.Buffer
	if err := renderStudy(&buf, paperSpec(224, 1000), false); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"5*5*512*64 = 819,200", "1*1*512*24 + 5*5*24*64 = 50,688  (16.2x fewer)", "192>416"} {
		if !strings.Contains(buf.String(), f) {
			t.Errorf("study lacks %q:\n%s", f, buf.String())
		}
	}
	var st studyJSON
	buf.Reset()
	if err := renderStudy(&buf, paperSpec(224, 1000), true); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.Example.NaiveWeights != 819200 || st.Example.ReducedWeights != 50688 || len(st.Blocks) != 9 || len(st.Totals) != 3 {
		t.Errorf("study JSON %+v", st)
	}
	if err := renderStudy(&buf, paperSpec(16, 10), false); err == nil || !strings.Contains(err.Error(), "image_size must be >= 32") {
		t.Errorf("study at 16 px: err = %v", err)
	}
}

func TestComma(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 12582331520: "12,582,331,520"} {
		if got := comma(n); got != want {
			t.Errorf("comma(%d) = %q, want %q", n, got, want)
		}
	}
}

// paperSpec is the paper's network at size x size with the given number of classes.
func paperSpec(size, classes int) arch.Spec {
	s := arch.DefaultSpec(classes)
	s.ImageSize = size
	return s
}
