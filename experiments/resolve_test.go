package experiments

import (
	"math"
	"testing"
)

func TestResolvedRoundTrip(t *testing.T) {
	files := []string{"smoke", "googlenet_aux", "flowers", "fashion_mnist", "ablation_1x1"}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			e, err := Load("../configs/"+f+".yaml", []string{"sweep={}", "model.inception.blocks[3].ch5x5=7"})
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse("resolved.yaml", []byte(e.Resolved()), nil)
			if err != nil {
				t.Fatalf("resolved YAML does not load: %v\n%s", err, e.Resolved())
			}
			if back.Resolved() != e.Resolved() {
				t.Errorf("round trip changed the config:\n%s\nvs\n%s", back.Resolved(), e.Resolved())
			}
		})
	}
}

func TestResolvedGolden(t *testing.T) {
	e, err := Load("../configs/smoke.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "smoke.resolved.golden", e.Resolved())
}

func TestFlatten(t *testing.T) {
	e, err := Parse("x.yaml", []byte(base), []string{"model.inception.reduce=false", "train.lr=3e-4"})
	if err != nil {
		t.Fatal(err)
	}
	flat := e.Flatten()
	want := map[string]string{
		"name":                               "t",
		"seed":                               "1",
		"model.inception.reduce":             "false",
		"train.lr":                           "0.0003",
		"model.aux.after":                    "[4a, 4d]",
		"data.normalize.mean":                "[0.5]",
		"data.path":                          `""`,
		"model.width":                        "1",
		"model.inception.blocks[0].ch1x1":    "64",
		"model.inception.blocks[0].name":     "3a",
		"model.inception.blocks[8].ch3x3":    "384",
		"model.inception.blocks[6].ch5x5":    "128",
		"train.early_stop.patience":          "0",
		"data.split.val":                     "0.1",
		"model.inception.blocks[2].ch3x3red": "96",
	}
	for k, v := range want {
		if flat[k] != v {
			t.Errorf("Flatten()[%q] = %q, want %q", k, flat[k], v)
		}
	}
	// 2 top-level + 15 data + 10 model + 19 train + 1 test keys, and 9 blocks x 7 keys.
	if len(flat) != 47+9*7 {
		t.Errorf("Flatten has %d keys, want %d: %v", len(flat), 47+9*7, flat)
	}
	for k := range flat {
		if len(k) >= 5 && k[:5] == "sweep" {
			t.Errorf("Flatten includes sweep key %s", k)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{3e-4, "0.0003"},
		{1e-4, "0.0001"},
		{1.0, "1"},
		{2.5e-7, "2.5e-07"},
		{math.Inf(1), ".inf"},
		{math.NaN(), ".nan"},
		{42, "42"},
		{int64(-7), "-7"},
		{true, "true"},
		{"4a", "4a"},
		{"true", `"true"`},
		{"1e3", `"1e3"`},
		{"", `""`},
		{"a, b", `"a, b"`},
		{"null", `"null"`},
		{"-x", `"-x"`},
		{"fashion-mnist", "fashion-mnist"},
		{[]any{"4a", 1, 0.5}, "[4a, 1, 0.5]"},
		{map[string]any{"std": []any{0.5}, "mean": []any{0.25}}, "{mean: [0.25], std: [0.5]}"},
		{nil, "null"},
	}
	for _, tt := range tests {
		if got := formatValue(tt.in, ", "); got != tt.want {
			t.Errorf("formatValue(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
