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
	torchDir     string // "": INCEPTIONLAB_BENCH, else ../shared/bench next to the repository (resolveTorchDir)
	python       string
	channelsLast bool
	pkg          string
	coreType     string
	mode         string   // "train" (BenchmarkTrainStep) or "infer" (BenchmarkForward)
	isa          string   // "native", or "avx2": both sides held to AVX2 (ours: INCEPTIONLAB_SGEMM_KERNEL, torch: ONEDNN_MAX_CPU_ISA)
	torch        []string // PyTorch configurations: stock, tuned, tuned-cl
}

// benchName is our benchmark for the mode.
func (c config) benchName() string {
	if c.mode == "infer" {
		return "BenchmarkForward"
	}
	return "BenchmarkTrainStep"
}

// peakKernel is the BenchmarkFMAPeak loop matching the -isa setting.
func (c config) peakKernel() string {
	if c.isa == "avx2" {
		return "avx2"
	}
	return "avx512"
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
	round   int
	imgPerS float64
	gflops  float64
	cpuMS   float64 // ours: CPU time per step (user + system), ms
	rssMB   float64 // peak RSS of the process
	blas    string  // our BLAS back end as the benchmark logged it
	foreign float64 // CPU seconds other processes used while it ran, per second of wall time
}

// torchTuning is the glibc setting of the README's "malloc-tuned" PyTorch runs.
var torchTuning = []string{"MALLOC_MMAP_THRESHOLD_=33554432", "MALLOC_TRIM_THRESHOLD_=8589934592", "MALLOC_TOP_PAD_=1073741824"}

// torchBenchEnv names the folder of the PyTorch reference, as for the model's cross-check test.
const torchBenchEnv = "INCEPTIONLAB_BENCH"

// resolveTorchDir finds the folder holding bench_torch.py: flagDir when given, else $INCEPTIONLAB_BENCH,
// else ../shared/bench next to the repository root (where the model tests look too). It fails naming
// what it tried.
func resolveTorchDir(flagDir, envDir, repoRoot string) (string, error) {
	var dir, from string
	switch {
	case flagDir != "":
		dir, from = flagDir, "-torch-dir"
	case envDir != "":
		dir, from = envDir, torchBenchEnv
	default:
		dir, from = filepath.Join(repoRoot, "..", "shared", "bench"), "../shared/bench next to the repository"
	}
	script := filepath.Join(dir, "bench_torch.py")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("PyTorch reference %s (from %s) not found; pass -torch-dir or set %s to the folder holding bench_torch.py", script, from, torchBenchEnv)
	}
	return dir, nil
}

// repoRoot is the main module's folder (go list -m).
func repoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m (finding the repository): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// compare builds our benchmark binary, runs everything alternately and prints the table.
func compare(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	root, err := repoRoot(ctx)
	if err != nil {
		return err
	}
	if cfg.torchDir, err = resolveTorchDir(cfg.torchDir, os.Getenv(torchBenchEnv), root); err != nil {
		return err
	}
	script := filepath.Join(cfg.torchDir, "bench_torch.py")
	torchVersion, err := checkTorch(ctx, cfg.python)
	if err != nil {
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
	var torchEnv []string
	if cfg.isa == "avx2" {
		torchEnv = []string{"ONEDNN_MAX_CPU_ISA=AVX2"}
	}
	torchCfgs := cfg.torchConfigs(torchEnv)
	res := results{peak: map[int]float64{}, runs: map[string]map[string][]sample{}, torchVersion: torchVersion, cpu: cpuModel()}
	for round := 1; round <= cfg.rounds; round++ {
		peak, err := runPeak(ctx, bin, pkgDir, cfg.peakKernel())
		if err != nil {
			return err
		}
		res.peak[round] = peak
		fmt.Fprintf(stderr, "round %d FMA peak (%s, all cores): %.0f GFLOP/s\n", round, cfg.peakKernel(), peak)
		for _, sh := range cfg.shapes {
			if res.runs[sh.String()] == nil {
				res.runs[sh.String()] = map[string][]sample{}
			}
			for _, m := range cfg.blasModes {
				s, err := runOurs(ctx, bin, pkgDir, sh, m, cfg)
				if err != nil {
					return err
				}
				s.round = round
				name := "ours " + m
				fmt.Fprintf(stderr, "round %d %s %s (%s): %.2f img/s, %.1f GFLOP/s, peak RSS %.0f MB, other load %.2f CPUs\n", round, sh, name, s.blas, s.imgPerS, s.gflops, s.rssMB, s.foreign)
				res.runs[sh.String()][name] = append(res.runs[sh.String()][name], s)
			}
			for _, tc := range torchCfgs {
				s, err := runTorch(ctx, cfg.python, script, sh, tc, cfg)
				if err != nil {
					return err
				}
				s.round = round
				fmt.Fprintf(stderr, "round %d %s %s: %.2f img/s, %.1f GFLOP/s, peak RSS %.0f MB, other load %.2f CPUs\n", round, sh, tc.name, s.imgPerS, s.gflops, s.rssMB, s.foreign)
				res.runs[sh.String()][tc.name] = append(res.runs[sh.String()][tc.name], s)
			}
		}
	}
	return printTable(stdout, cfg, torchCfgs, res)
}

// results is everything one benchcmp run measured.
type results struct {
	cpu          string
	torchVersion string
	peak         map[int]float64                // round -> FMA peak, GFLOP/s
	runs         map[string]map[string][]sample // shape -> config name -> samples
}

// cpuModel is the CPU's model name (Linux /proc/cpuinfo), or GOARCH where unavailable.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	if m := parseCPUModel(string(b)); m != "" {
		return m
	}
	return runtime.GOARCH
}

// parseCPUModel reads the first "model name" of /proc/cpuinfo text.
func parseCPUModel(cpuinfo string) string {
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// runPeak runs BenchmarkFMAPeak/<kernel> and returns its GFLOP/s.
func runPeak(ctx context.Context, bin, dir, kernel string) (float64, error) {
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", "^BenchmarkFMAPeak/"+kernel+"$", "-test.benchtime", "300x")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("FMA peak benchmark: %w\n%s", err, out)
	}
	v, ok := metric(out, "BenchmarkFMAPeak/"+kernel, "GFLOP/s")
	if !ok {
		return 0, fmt.Errorf("no GFLOP/s for BenchmarkFMAPeak/%s in its output (does this CPU have %s?):\n%s", kernel, kernel, out)
	}
	return v, nil
}

// torchConfigs are the PyTorch configurations of -torch (stock, tuned, tuned+CL with -channels-last), each
// with env added to its environment.
func (c config) torchConfigs(env []string) []torchConfig {
	all := map[string]torchConfig{
		"stock":    {name: "torch stock", env: env},
		"tuned":    {name: "torch tuned", env: append(slices.Clone(env), torchTuning...)},
		"tuned-cl": {name: "torch tuned+CL", env: append(slices.Clone(env), torchTuning...), channelsLast: true},
	}
	var out []torchConfig
	for _, n := range c.torch {
		out = append(out, all[n])
	}
	return out
}

// torchConfig is one way of running the PyTorch reference.
type torchConfig struct {
	name         string
	env          []string
	channelsLast bool
}

// checkTorch returns torch's version, or fails with install instructions when python or torch is missing.
func checkTorch(ctx context.Context, python string) (string, error) {
	out, err := exec.CommandContext(ctx, python, "-c", "import torch; print(torch.__version__)").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s cannot import torch (%v: %s); install it with `apt-get update && apt-get install -y python3-torch` (Debian) or pass -python", python, err, bytes.TrimSpace(out))
	}
	return string(bytes.TrimSpace(out)), nil
}

// packageDir resolves the package's folder (the benchmark binary must run there, as go test would).
func packageDir(ctx context.Context, pkg string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", pkg, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// runOurs runs our benchmark of the mode at one shape once with INCEPTIONLAB_BLAS=mode.
func runOurs(ctx context.Context, bin, dir string, sh shape, mode string, cfg config) (sample, error) {
	name := cfg.benchName() + "/" + sh.String()
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", "^"+name+"$", "-test.benchtime", cfg.benchtime)
	cmd.Dir = dir
	coreType := cfg.coreType
	switch mode {
	case "openblas-avx512":
		cmd.Env = append(envFor("auto"), "INCEPTIONLAB_BLAS=openblas")
	case "gonum-avx2":
		cmd.Env = append(envFor(coreType), "INCEPTIONLAB_BLAS=gonum", "INCEPTIONLAB_SGEMM_KERNEL=avx2")
	default:
		cmd.Env = append(envFor(coreType), "INCEPTIONLAB_BLAS="+mode)
	}
	if cfg.isa == "avx2" {
		cmd.Env = append(cmd.Env, "INCEPTIONLAB_SGEMM_KERNEL=avx2")
	}
	out, rss, foreign, err := runMeasured(cmd)
	if err != nil {
		return sample{}, fmt.Errorf("our benchmark %s (INCEPTIONLAB_BLAS=%s): %w\n%s", name, mode, err, out)
	}
	s, err := parseGoBench(out, name)
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
		env = append(env, "INCEPTIONLAB_OPENBLAS_AVX512=1") // the opt-in AVX-512 kernel choice (model/internal/gemm/blas_openblas.go)
	} else {
		env = append(env, "OPENBLAS_CORETYPE="+coreType)
	}
	return env
}

// runTorch runs bench_torch.py for one shape and configuration.
func runTorch(ctx context.Context, python, script string, sh shape, tc torchConfig, cfg config) (sample, error) {
	cmd := exec.CommandContext(ctx, python, script, "--size", strconv.Itoa(sh.size), "--batch", strconv.Itoa(sh.batch),
		"--steps", strconv.Itoa(cfg.torchSteps), "--warmup", "2", "--mode", cfg.mode)
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

// parseGoBench reads the img/s, GFLOP/s, cpu-ms/step and peakRSS-MB metrics of benchmark name from go
// test output, and the "BLAS: ..." line the benchmark logs.
func parseGoBench(out []byte, name string) (sample, error) {
	var s sample
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if b, ok := strings.CutPrefix(line, "bench_test.go:"); ok {
			if _, blas, ok := strings.Cut(b, "BLAS: "); ok {
				s.blas = blas
			}
		}
	}
	v, found := metric(out, name, "img/s")
	if !found {
		return sample{}, fmt.Errorf("no img/s metric for %s in the benchmark output:\n%s", name, out)
	}
	s.imgPerS = v
	s.gflops, _ = metric(out, name, "GFLOP/s")
	s.cpuMS, _ = metric(out, name, "cpu-ms/step")
	s.rssMB, _ = metric(out, name, "peakRSS-MB")
	return s, nil
}

// metric is the value of one unit on benchmark name's result line in go test output.
func metric(out []byte, name, unit string) (float64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil || m[1] != name {
			continue
		}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i+1] != unit {
				continue
			}
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				return v, true
			}
		}
	}
	return 0, false
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

// roundRatios are ours/ref img/s of the rounds both were measured in.
func roundRatios(ours, ref []sample) []float64 {
	byRound := map[int]float64{}
	for _, s := range ref {
		byRound[s.round] = s.imgPerS
	}
	var out []float64
	for _, s := range ours {
		if r, ok := byRound[s.round]; ok && r > 0 {
			out = append(out, s.imgPerS/r)
		}
	}
	return out
}

// spread prints the median of vs with their range: "1.23x (1.10-1.31)".
func spread(vs []float64) string {
	if len(vs) == 0 {
		return "-"
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	var med float64
	if len(s)%2 == 1 {
		med = s[len(s)/2]
	} else {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	if len(s) == 1 {
		return fmt.Sprintf("%.2fx", med)
	}
	return fmt.Sprintf("%.2fx (%.2f-%.2f)", med, s[0], s[len(s)-1])
}

// printTable writes the machine, the FMA peak and one row per shape and configuration: median img/s,
// the median and range of the per-round ratios to each PyTorch configuration, GFLOP/s and its share of
// the measured peak, peak RSS and the other processes' load.
func printTable(w io.Writer, cfg config, torchCfgs []torchConfig, res results) error {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "benchcmp %s, %s mode, ISA %s, on %s (%q, %d CPUs), %d round(s)\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), cfg.mode, cfg.isa, host, res.cpu, runtime.NumCPU(), cfg.rounds)
	var peaks []float64
	for _, p := range res.peak {
		peaks = append(peaks, p)
	}
	slices.Sort(peaks)
	peak := median(sampleOf(peaks), func(s sample) float64 { return s.imgPerS })
	if len(peaks) > 0 {
		fmt.Fprintf(w, "measured FMA peak (%s loop on every core, BenchmarkFMAPeak): %.0f GFLOP/s (rounds %.0f-%.0f)\n", cfg.peakKernel(), peak, peaks[0], peaks[len(peaks)-1])
	}
	ct := cfg.coreType
	if ct == "inherit" {
		ct = "inherit (OPENBLAS_CORETYPE=" + os.Getenv("OPENBLAS_CORETYPE") + ")"
	}
	fmt.Fprintf(w, "ours: %s, benchtime %s, -coretype %s; torch %s: %d timed steps after 2 warm-up\n", cfg.benchName(), cfg.benchtime, ct, res.torchVersion, cfg.torchSteps)
	fmt.Fprintln(w, "ratios: median of the per-round ratios (ours / PyTorch in the same round), range in parentheses")
	fmt.Fprintln(w, "other load: CPUs used meanwhile by other processes this kernel sees (not other VMs on the host)")
	for _, m := range cfg.blasModes {
		for _, sh := range cfg.shapes {
			if ss := res.runs[sh.String()]["ours "+m]; len(ss) > 0 && ss[0].blas != "" {
				fmt.Fprintf(w, "ours %s: %s\n", m, ss[0].blas)
				break
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "shape\tconfig\timg/s\t"
	for _, tc := range torchCfgs {
		head += "x " + strings.TrimPrefix(tc.name, "torch ") + "\t"
	}
	fmt.Fprintln(tw, head+"GFLOP/s\t% peak\tcpu-ms/step\tpeak RSS MB\tother load\t")
	imgs := func(s sample) float64 { return s.imgPerS }
	for _, sh := range cfg.shapes {
		r := res.runs[sh.String()]
		var names []string
		for _, m := range cfg.blasModes {
			names = append(names, "ours "+m)
		}
		for _, tc := range torchCfgs {
			names = append(names, tc.name)
		}
		for _, n := range names {
			ss := r[n]
			row := fmt.Sprintf("%s\t%s\t%.2f\t", sh, n, median(ss, imgs))
			for _, tc := range torchCfgs {
				row += spread(roundRatios(ss, r[tc.name])) + "\t"
			}
			gf := median(ss, func(s sample) float64 { return s.gflops })
			pct := "-"
			if peak > 0 {
				pct = fmt.Sprintf("%.0f%%", 100*gf/peak)
			}
			cpu := "-"
			if c := median(ss, func(s sample) float64 { return s.cpuMS }); c > 0 {
				cpu = fmt.Sprintf("%.0f", c)
			}
			row += fmt.Sprintf("%.1f\t%s\t%s\t%.0f\t%.2f\t", gf, pct, cpu, median(ss, func(s sample) float64 { return s.rssMB }),
				median(ss, func(s sample) float64 { return s.foreign }))
			fmt.Fprintln(tw, row)
		}
	}
	return tw.Flush()
}

// sampleOf wraps values as samples (for median).
func sampleOf(vs []float64) []sample {
	out := make([]sample, len(vs))
	for i, v := range vs {
		out[i] = sample{imgPerS: v}
	}
	return out
}
