package main

import (
	"io"
	"strings"
	"testing"
)

func TestParseShapes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  string
	}{
		{in: "224x16,64x64", want: "[224x16 64x64]"},
		{in: " 32x128 ", want: "[32x128]"},
		{in: "224", err: `"224" is not SIZExBATCH`},
		{in: "0x16", err: `"0x16" is not SIZExBATCH`},
		{in: "64x64,", err: `"" is not SIZExBATCH`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseShapes(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseShapes(%q) error %v, want it to contain %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := fmtShapes(got); s != tc.want {
				t.Fatalf("parseShapes(%q) = %s, want %s", tc.in, s, tc.want)
			}
		})
	}
}

func fmtShapes(ss []shape) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, s.String())
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
BenchmarkTrainStep/32x128-2   	       5	 600000000 ns/op	        50.5 GFLOP/s	       213.3 img/s	       900.0 peakRSS-MB
    bench_test.go:33: BLAS: OpenBLAS 0.3.21 (run-time loaded, 1 thread per call)
BenchmarkTrainStep/32x1280-2   	       5	 600000000 ns/op	        1 GFLOP/s	       1 img/s
PASS
`
	s, err := parseGoBench([]byte(out), "BenchmarkTrainStep/32x128")
	if err != nil {
		t.Fatal(err)
	}
	if s.imgPerS != 213.3 || s.gflops != 50.5 || s.rssMB != 900 || !strings.HasPrefix(s.blas, "OpenBLAS 0.3.21") {
		t.Fatalf("parsed %+v", s)
	}
	if _, err := parseGoBench([]byte(out), "BenchmarkTrainStep/64x64"); err == nil || !strings.Contains(err.Error(), "no img/s metric for BenchmarkTrainStep/64x64") {
		t.Fatalf("missing benchmark: error %v", err)
	}
}

func TestParseTorch(t *testing.T) {
	s, err := parseTorch([]byte("warning: something\n{\"img_per_s\": 281.5, \"achieved_gflops\": 70.1, \"size\": 32}\n"))
	if err != nil || s.imgPerS != 281.5 || s.gflops != 70.1 {
		t.Fatalf("parseTorch = %+v, %v", s, err)
	}
	for _, bad := range []string{"no json here", `{"img_per_s": 0}`, `{"img_per_s": }`} {
		if _, err := parseTorch([]byte(bad)); err == nil {
			t.Errorf("parseTorch(%q) accepted", bad)
		}
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-blas", "auto,mkl"}, `"mkl" is not one of auto, openblas, gonum`},
		{[]string{"-rounds", "0"}, "-rounds must be >= 1, got 0"},
		{[]string{"-shapes", "224by16"}, `"224by16" is not SIZExBATCH`},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
	} {
		if _, err := parseFlags(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("parseFlags(%q) error %v, want it to contain %q", tc.args, err, tc.err)
		}
	}
	cfg, err := parseFlags([]string{"-shapes", "64x64", "-blas", "gonum"}, io.Discard)
	if err != nil || len(cfg.shapes) != 1 || cfg.shapes[0] != (shape{64, 64}) || len(cfg.blasModes) != 1 || cfg.rounds != 2 {
		t.Fatalf("parseFlags = %+v, %v", cfg, err)
	}
}

func TestMedian(t *testing.T) {
	f := func(s sample) float64 { return s.imgPerS }
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		var ss []sample
		for _, v := range tc.in {
			ss = append(ss, sample{imgPerS: v})
		}
		if got := median(ss, f); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
