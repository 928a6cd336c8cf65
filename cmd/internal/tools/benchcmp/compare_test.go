package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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
BenchmarkTrainStep/32x128-2   	       5	 600000000 ns/op	        50.5 GFLOP/s	       213.3 img/s	      1200 cpu-ms/step	       900.0 peakRSS-MB
    bench_test.go:33: BLAS: OpenBLAS 0.3.21 (run-time loaded, 1 thread per call)
BenchmarkTrainStep/32x1280-2   	       5	 600000000 ns/op	        1 GFLOP/s	       1 img/s
PASS
`
	s, err := parseGoBench([]byte(out), "BenchmarkTrainStep/32x128")
	if err != nil {
		t.Fatal(err)
	}
	if s.imgPerS != 213.3 || s.gflops != 50.5 || s.rssMB != 900 || s.cpuMS != 1200 || !strings.HasPrefix(s.blas, "OpenBLAS 0.3.21") {
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
		{[]string{"-mode", "eval"}, `-mode must be train or infer, got "eval"`},
		{[]string{"-isa", "sse"}, `-isa must be native or avx2, got "sse"`},
		{[]string{"-torch", "stock,mkl"}, `-torch: "mkl" is not one of stock, tuned, tuned-cl`},
	} {
		if _, err := parseFlags(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("parseFlags(%q) error %v, want it to contain %q", tc.args, err, tc.err)
		}
	}
	cfg, err := parseFlags([]string{"-shapes", "64x64", "-blas", "gonum"}, io.Discard)
	if err != nil || len(cfg.shapes) != 1 || cfg.shapes[0] != (shape{64, 64}) || len(cfg.blasModes) != 1 || cfg.rounds != 2 ||
		cfg.mode != "train" || cfg.isa != "native" || cfg.torchDir != "" {
		t.Fatalf("parseFlags = %+v, %v", cfg, err)
	}
	if cfg.benchName() != "BenchmarkTrainStep" || cfg.peakKernel() != "avx512" {
		t.Fatalf("train/native: bench %s, peak %s", cfg.benchName(), cfg.peakKernel())
	}
	if got := fmt.Sprint(cfg.torch); got != "[stock tuned]" {
		t.Fatalf("default -torch = %s", got)
	}
	cfg, err = parseFlags([]string{"-torch", "stock,tuned-cl", "-channels-last"}, io.Discard)
	if got := fmt.Sprint(cfg.torch); err != nil || got != "[stock tuned-cl]" {
		t.Fatalf("-torch stock,tuned-cl -channels-last = %s, %v", got, err)
	}
	if tc := cfg.torchConfigs([]string{"X=1"}); len(tc) != 2 || tc[1].name != "torch tuned+CL" || !tc[1].channelsLast || len(tc[1].env) != 4 || tc[0].env[0] != "X=1" {
		t.Fatalf("torchConfigs = %+v", tc)
	}
	cfg, err = parseFlags([]string{"-mode", "infer", "-isa", "avx2"}, io.Discard)
	if err != nil || cfg.benchName() != "BenchmarkForward" || cfg.peakKernel() != "avx2" {
		t.Fatalf("infer/avx2: %+v, %v", cfg, err)
	}
}

// TestResolveTorchDir checks where benchcmp looks for bench_torch.py: -torch-dir, then
// INCEPTIONLAB_BENCH, then ../shared/bench next to the repository, and that a miss names the path tried.
func TestResolveTorchDir(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	shared := filepath.Join(top, "shared", "bench")
	other := filepath.Join(top, "other")
	lonely := filepath.Join(top, "deeper", "repo") // no ../shared next to it
	for _, d := range []string{repo, shared, other, lonely} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{shared, other} {
		if err := os.WriteFile(filepath.Join(d, "bench_torch.py"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, flag, env, root string
		want, err             string
	}{
		{name: "repository-relative", root: repo, want: filepath.Join(repo, "..", "shared", "bench")},
		{name: "env", env: other, root: repo, want: other},
		{name: "flag over env", flag: other, env: filepath.Join(top, "nowhere"), root: repo, want: other},
		{name: "missing", root: lonely, err: "from ../shared/bench next to the repository) not found; pass -torch-dir or set INCEPTIONLAB_BENCH"},
		{name: "missing flag", flag: repo, root: repo, err: filepath.Join(repo, "bench_torch.py") + " (from -torch-dir) not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveTorchDir(tc.flag, tc.env, tc.root)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolveTorchDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestParseCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t: fpu\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n"
	if got := parseCPUModel(info); got != "Intel(R) Xeon(R) Processor" {
		t.Fatalf("parseCPUModel = %q", got)
	}
	if got := parseCPUModel("processor\t: 0\n"); got != "" {
		t.Fatalf("no model name: got %q", got)
	}
}

// TestRoundRatios checks that ratios pair samples of the same round (a missing round is skipped) and
// how their spread prints.
func TestRoundRatios(t *testing.T) {
	ours := []sample{{round: 1, imgPerS: 20}, {round: 2, imgPerS: 30}, {round: 3, imgPerS: 10}}
	ref := []sample{{round: 2, imgPerS: 20}, {round: 1, imgPerS: 10}}
	got := roundRatios(ours, ref)
	if len(got) != 2 || got[0] != 2 || got[1] != 1.5 {
		t.Fatalf("roundRatios = %v, want [2 1.5]", got)
	}
	for _, tc := range []struct {
		in   []float64
		want string
	}{{nil, "-"}, {[]float64{1.234}, "1.23x"}, {[]float64{2, 1.5}, "1.75x (1.50-2.00)"}, {[]float64{0.9, 1.2, 1.0}, "1.00x (0.90-1.20)"}} {
		if s := spread(tc.in); s != tc.want {
			t.Errorf("spread(%v) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func TestMetric(t *testing.T) {
	out := []byte("BenchmarkFMAPeak/avx512-2   \t     300\t   1000 ns/op\t       482.5 GFLOP/s\nBenchmarkFMAPeak/avx2-2 \t 300\t 1 ns/op\t 241 GFLOP/s\n")
	if v, ok := metric(out, "BenchmarkFMAPeak/avx512", "GFLOP/s"); !ok || v != 482.5 {
		t.Fatalf("metric = %v, %v", v, ok)
	}
	if _, ok := metric(out, "BenchmarkFMAPeak/avx512", "img/s"); ok {
		t.Fatal("found a unit that is not there")
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
