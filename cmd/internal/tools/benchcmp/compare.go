package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// config is the parsed command line.
type config struct {
	shapes       []shape
	rounds       int
	blasModes    []string
	tags         string
	benchtime    string
	torchSteps   int
	torchDir     string
	python       string
	channelsLast bool
	pkg          string
	coreType     string
}

// shape is one benchmark case: image size and batch size.
type shape struct{ size, batch int }

func (s shape) String() string { return fmt.Sprintf("%dx%d", s.size, s.batch) }

// parseShapes reads "224x16,64x64".
func parseShapes(list string) ([]shape, error) {
	var out []shape
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		a, b, ok := strings.Cut(f, "x")
		size, err1 := strconv.Atoi(a)
		batch, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || size < 1 || batch < 1 {
			return nil, fmt.Errorf("-shapes: %q is not SIZExBATCH with positive integers (e.g. 224x16)", f)
		}
		out = append(out, shape{size, batch})
	}
	return out, nil
}

// sample is one measured run.
type sample struct {
	imgPerS float64
	gflops  float64
	rssMB   float64 // peak RSS of the process
	blas    string  // our BLAS back end as the benchmark logged it
	foreign float64 // CPU seconds other processes used while it ran, per second of wall time
}

// torchTuning is the glibc setting of the README's "malloc-tuned" PyTorch runs.
var torchTuning = []string{"MALLOC_MMAP_THRESHOLD_=33554432", "MALLOC_TRIM_THRESHOLD_=8589934592", "MALLOC_TOP_PAD_=1073741824"}

// compare builds our benchmark binary, runs everything alternately and prints the table.
func compare(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	script := filepath.Join(cfg.torchDir, "bench_torch.py")
	if err := checkTorch(ctx, cfg.python, script); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "benchcmp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "model.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin)
	if cfg.tags != "" {
		build.Args = append(build.Args, "-tags", cfg.tags)
	}
	build.Args = append(build.Args, cfg.pkg)
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building %s benchmarks: %w", cfg.pkg, err)
	}
	pkgDir, err := packageDir(ctx, cfg.pkg)
	if err != nil {
		return err
	}
	torchCfgs := []torchConfig{{name: "torch stock"}, {name: "torch tuned", env: torchTuning}}
	if cfg.channelsLast {
		torchCfgs = append(torchCfgs, torchConfig{name: "torch tuned+CL", env: torchTuning, channelsLast: true})
	}
	results := map[string]map[string][]sample{} // shape -> config name -> samples
	for round := 1; round <= cfg.rounds; round++ {
		for _, sh := range cfg.shapes {
			if results[sh.String()] == nil {
				results[sh.String()] = map[string][]sample{}
			}
			for _, m := range cfg.blasModes {
				s, err := runOurs(ctx, bin, pkgDir, sh, m, cfg.benchtime, cfg.coreType)
				if err != nil {
					return err
				}
				name := "ours " + m
				fmt.Fprintf(stderr, "round %d %s %s (%s): %.2f img/s, %.1f GFLOP/s, peak RSS %.0f MB, other load %.2f CPUs\n", round, sh, name, s.blas, s.imgPerS, s.gflops, s.rssMB, s.foreign)
				results[sh.String()][name] = append(results[sh.String()][name], s)
			}
			for _, tc := range torchCfgs {
				s, err := runTorch(ctx, cfg.python, script, sh, tc, cfg.torchSteps)
				if err != nil {
					return err
				}
				fmt.Fprintf(stderr, "round %d %s %s: %.2f img/s, %.1f GFLOP/s, peak RSS %.0f MB, other load %.2f CPUs\n", round, sh, tc.name, s.imgPerS, s.gflops, s.rssMB, s.foreign)
				results[sh.String()][tc.name] = append(results[sh.String()][tc.name], s)
			}
		}
	}
	return printTable(stdout, cfg, torchCfgs, results)
}

// torchConfig is one way of running the PyTorch reference.
type torchConfig struct {
	name         string
	env          []string
	channelsLast bool
}

// checkTorch fails with install instructions when python or torch is missing.
func checkTorch(ctx context.Context, python, script string) error {
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("PyTorch reference bench not found: %w (set -torch-dir)", err)
	}
	out, err := exec.CommandContext(ctx, python, "-c", "import torch; print(torch.__version__)").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s cannot import torch (%v: %s); install it with `apt-get update && apt-get install -y python3-torch` (Debian) or pass -python", python, err, bytes.TrimSpace(out))
	}
	return nil
}

// packageDir resolves the package's folder (the benchmark binary must run there, as go test would).
func packageDir(ctx context.Context, pkg string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", pkg, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// runOurs runs BenchmarkTrainStep/<shape> once with INCEPTIONLAB_BLAS=mode.
func runOurs(ctx context.Context, bin, dir string, sh shape, mode, benchtime, coreType string) (sample, error) {
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", "^BenchmarkTrainStep/"+sh.String()+"$", "-test.benchtime", benchtime)
	cmd.Dir = dir
	switch mode {
	case "openblas-avx512":
		cmd.Env = append(envFor("auto"), "INCEPTIONLAB_BLAS=openblas")
	case "gonum-avx2":
		cmd.Env = append(envFor(coreType), "INCEPTIONLAB_BLAS=gonum", "INCEPTIONLAB_SGEMM_KERNEL=avx2")
	default:
		cmd.Env = append(envFor(coreType), "INCEPTIONLAB_BLAS="+mode)
	}
	out, rss, foreign, err := runMeasured(cmd)
	if err != nil {
		return sample{}, fmt.Errorf("our benchmark %s (INCEPTIONLAB_BLAS=%s): %w\n%s", sh, mode, err, out)
	}
	s, err := parseGoBench(out, "BenchmarkTrainStep/"+sh.String())
	if err != nil {
		return sample{}, err
	}
	s.rssMB, s.foreign = max(s.rssMB, rss), foreign
	return s, nil
}

// envFor is the environment of our runs for the -coretype setting.
func envFor(coreType string) []string {
	if coreType == "inherit" {
		return os.Environ()
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") {
			env = append(env, kv)
		}
	}
	if coreType == "auto" {
		env = append(env, "INCEPTIONLAB_OPENBLAS_AVX512=1") // the opt-in AVX-512 kernel choice (model/blas_openblas.go)
	} else {
		env = append(env, "OPENBLAS_CORETYPE="+coreType)
	}
	return env
}

// runTorch runs bench_torch.py for one shape and configuration.
func runTorch(ctx context.Context, python, script string, sh shape, tc torchConfig, steps int) (sample, error) {
	cmd := exec.CommandContext(ctx, python, script, "--size", strconv.Itoa(sh.size), "--batch", strconv.Itoa(sh.batch),
		"--steps", strconv.Itoa(steps), "--warmup", "2")
	if tc.channelsLast {
		cmd.Args = append(cmd.Args, "--channels-last")
	}
	cmd.Env = append(os.Environ(), tc.env...)
	out, rss, foreign, err := runMeasured(cmd)
	if err != nil {
		return sample{}, fmt.Errorf("%s %s: %w\n%s", tc.name, sh, err, out)
	}
	s, err := parseTorch(out)
	if err != nil {
		return sample{}, fmt.Errorf("%s %s: %w", tc.name, sh, err)
	}
	s.rssMB, s.foreign = rss, foreign
	return s, nil
}

// runMeasured runs cmd and returns its combined output, peak RSS in MB and the load other processes put
// on the machine meanwhile (CPU seconds per wall second, from /proc/stat; 0 where unavailable).
func runMeasured(cmd *exec.Cmd) ([]byte, float64, float64, error) {
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	busy0, w0 := busyCPU(), time.Now()
	err := cmd.Run()
	busy, wall := busyCPU()-busy0, time.Since(w0).Seconds()
	var rss, foreign float64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = float64(ru.Maxrss) / 1024 // Linux reports KiB
		}
		self := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		if busy > 0 && wall > 0 {
			foreign = max(busy-self, 0) / wall
		}
	}
	return buf.Bytes(), rss, foreign, err
}

// busyCPU is the machine's non-idle CPU time in seconds (Linux /proc/stat, USER_HZ = 100), or 0.
func busyCPU() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return 0
	}
	var sum float64
	for i, s := range f[1:] {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0
		}
		if i != 3 && i != 4 { // idle, iowait
			sum += v
		}
	}
	return sum / 100
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// parseGoBench reads the img/s, GFLOP/s and peakRSS-MB metrics of benchmark name from go test output,
// and the "BLAS: ..." line the benchmark logs.
func parseGoBench(out []byte, name string) (sample, error) {
	var s sample
	found := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if b, ok := strings.CutPrefix(line, "bench_test.go:"); ok {
			if _, blas, ok := strings.Cut(b, "BLAS: "); ok {
				s.blas = blas
			}
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "img/s":
				s.imgPerS, found = v, true
			case "GFLOP/s":
				s.gflops = v
			case "peakRSS-MB":
				s.rssMB = v
			}
		}
	}
	if !found {
		return sample{}, fmt.Errorf("no img/s metric for %s in the benchmark output:\n%s", name, out)
	}
	return s, nil
}

// parseTorch reads the JSON line bench_torch.py prints.
func parseTorch(out []byte) (sample, error) {
	for _, line := range bytes.Split(out, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if !bytes.HasPrefix(line, []byte("{")) {
			continue
		}
		var r struct {
			ImgPerS float64 `json:"img_per_s"`
			GFLOPS  float64 `json:"achieved_gflops"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			return sample{}, fmt.Errorf("bench_torch.py output %q: %w", line, err)
		}
		if r.ImgPerS <= 0 {
			return sample{}, fmt.Errorf("bench_torch.py output %q has no positive img_per_s", line)
		}
		return sample{imgPerS: r.ImgPerS, gflops: r.GFLOPS}, nil
	}
	return sample{}, errors.New("bench_torch.py printed no JSON result:\n" + string(out))
}

// median of the samples' field f.
func median(ss []sample, f func(sample) float64) float64 {
	if len(ss) == 0 {
		return 0
	}
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// printTable writes one row per shape and configuration: median img/s, ratios to PyTorch stock and
// tuned, GFLOP/s and peak RSS.
func printTable(w io.Writer, cfg config, torchCfgs []torchConfig, results map[string]map[string][]sample) error {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "benchcmp %s on %s (%d CPUs), %d round(s), medians; ratios are ours / PyTorch in the same rounds\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU(), cfg.rounds)
	ct := cfg.coreType
	if ct == "inherit" {
		ct = "inherit (OPENBLAS_CORETYPE=" + os.Getenv("OPENBLAS_CORETYPE") + ")"
	}
	fmt.Fprintf(w, "ours: benchtime %s, -coretype %s; torch: %d timed steps after 2 warm-up\n", cfg.benchtime, ct, cfg.torchSteps)
	fmt.Fprintln(w, "other load: CPUs used meanwhile by other processes this kernel sees (not other VMs on the host)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, m := range cfg.blasModes {
		for _, sh := range cfg.shapes {
			if ss := results[sh.String()]["ours "+m]; len(ss) > 0 && ss[0].blas != "" {
				fmt.Fprintf(w, "ours %s: %s\n", m, ss[0].blas)
				break
			}
		}
	}
	fmt.Fprintln(tw, "shape\tconfig\timg/s\tx torch stock\tx torch tuned\tGFLOP/s\tpeak RSS MB\tother load\t")
	imgs := func(s sample) float64 { return s.imgPerS }
	for _, sh := range cfg.shapes {
		r := results[sh.String()]
		stock, tuned := median(r["torch stock"], imgs), median(r["torch tuned"], imgs)
		var names []string
		for _, m := range cfg.blasModes {
			names = append(names, "ours "+m)
		}
		for _, tc := range torchCfgs {
			names = append(names, tc.name)
		}
		for _, n := range names {
			ss := r[n]
			v := median(ss, imgs)
			fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2fx\t%.2fx\t%.1f\t%.0f\t%.2f\t\n", sh, n, v, v/stock, v/tuned,
				median(ss, func(s sample) float64 { return s.gflops }), median(ss, func(s sample) float64 { return s.rssMB }),
				median(ss, func(s sample) float64 { return s.foreign }))
		}
	}
	return tw.Flush()
}
