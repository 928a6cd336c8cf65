// Command benchcmp measures training (or inference) speed of inceptionlab's GoogLeNet side by side with
// the PyTorch reference (bench_torch.py in ../shared/bench next to the repository, $INCEPTIONLAB_BENCH or
// -torch-dir) and prints the ratios. Every round first measures the machine's FMA peak
// (BenchmarkFMAPeak), then for every shape runs, one after the other, our BenchmarkTrainStep/<shape>
// (-mode infer: BenchmarkForward/<shape>) once per BLAS back end and the PyTorch bench stock,
// malloc-tuned and optionally tuned + channels_last, so both see the same machine load. The table gives
// the CPU model, per-configuration medians, the median and range of the per-round ratios, GFLOP/s as a
// share of the measured peak and each process's peak RSS.
//
//	go run ./cmd/internal/tools/benchcmp [-shapes 224x16,64x64,32x128] [-rounds 2] [-blas auto,gonum]
//	    [-mode train|infer] [-isa native|avx2] [-channels-last] [-benchtime 5x] [-torch-steps 8]
//	    [-torch-dir DIR] [-tags TAGS] [-coretype inherit|auto|NAME]
//
// Our side is `go test -c` of ./model/ (with -tags when given) run as
// `model.test -test.run ^$ -test.bench BenchmarkTrainStep/<shape>$ -test.benchtime <benchtime>` with
// INCEPTIONLAB_BLAS set to each -blas mode ("auto" is the program's own choice, "openblas" forces
// OpenBLAS, "gonum" the pure-Go path; "openblas-avx512" forces OpenBLAS with its AVX-512 kernels on
// CPUs it does not recognise, as -coretype auto does; "gonum-avx2" holds the pure-Go path to its AVX2
// kernel, what a CPU without AVX-512 and without OpenBLAS gets). -isa avx2 holds both sides to AVX2:
// ours with INCEPTIONLAB_SGEMM_KERNEL=avx2 (every AVX-512 kernel off), PyTorch with
// ONEDNN_MAX_CPU_ISA=AVX2, and the peak is the YMM loop's. The PyTorch side needs /usr/bin/python3
// with torch (Debian: apt-get install python3-torch); without it benchcmp says so and exits with status 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"inceptionlab/cmd/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// synopsis is the usage line -h prints above the flags.
const synopsis = `benchcmp [-shapes 224x16,64x64,32x128] [-rounds 2] [-blas auto,gonum] [-mode train|infer]
       [-isa native|avx2] [-channels-last] [-benchtime 5x] [-torch-steps 8] [-torch-dir DIR]
       [-torch stock,tuned,tuned-cl] [-tags TAGS] [-coretype inherit|auto|NAME]

Runs our BenchmarkTrainStep (or BenchmarkForward) and the PyTorch reference side by side, alternating,
and prints the ratios with the CPU model, the measured FMA peak and our BLAS.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfg := newFlags()
	if code, ok := cli.Parse(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := cfg.finish(fs); err != nil {
		return cli.UsageError(stderr, "benchcmp", err)
	}
	if err := compare(ctx, *cfg.config, stdout, stderr); err != nil {
		return cli.Fail(stderr, "benchcmp", 1, err)
	}
	return 0
}

// flagValues holds the flags' raw values until finish checks them into the config.
type flagValues struct {
	*config
	shapes, modes, torchList string
}

// parseFlags parses args into a config (for tests; run goes through cli.Parse).
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs, v := newFlags()
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if err := v.finish(fs); err != nil {
		return config{}, err
	}
	return *v.config, nil
}

func newFlags() (*flag.FlagSet, *flagValues) {
	fs := cli.NewFlagSet("benchcmp", synopsis)
	cfg := &config{}
	v := &flagValues{config: cfg}
	shapes, modes, torchList := &v.shapes, &v.modes, &v.torchList
	fs.StringVar(shapes, "shapes", "224x16,64x64,32x128", "comma-separated SIZExBATCH shapes of BenchmarkTrainStep")
	fs.IntVar(&cfg.rounds, "rounds", 2, "alternating rounds per shape")
	fs.StringVar(modes, "blas", "auto,gonum", "comma-separated INCEPTIONLAB_BLAS modes to measure (auto, openblas, gonum; openblas-avx512 is openblas with -coretype auto's environment, gonum-avx2 the pure-Go path held to its AVX2 kernel)")
	fs.StringVar(&cfg.tags, "tags", "", "build tags for the model test binary")
	fs.StringVar(&cfg.benchtime, "benchtime", "5x", "go test -benchtime for our steps")
	fs.IntVar(&cfg.torchSteps, "torch-steps", 8, "timed PyTorch steps (after 2 warm-up steps)")
	fs.StringVar(&cfg.torchDir, "torch-dir", "", "folder holding bench_torch.py (default: $INCEPTIONLAB_BENCH, else ../shared/bench next to the repository)")
	fs.StringVar(&cfg.python, "python", "/usr/bin/python3", "Python interpreter with torch installed")
	fs.BoolVar(&cfg.channelsLast, "channels-last", false, "also run PyTorch malloc-tuned with channels_last (adds tuned-cl to -torch)")
	fs.StringVar(torchList, "torch", "stock,tuned", "comma-separated PyTorch configurations: stock, tuned (glibc malloc-tuned), tuned-cl (tuned + channels_last)")
	fs.StringVar(&cfg.pkg, "pkg", "./model/", "package holding BenchmarkTrainStep, BenchmarkForward and BenchmarkFMAPeak")
	fs.StringVar(&cfg.mode, "mode", "train", "train (BenchmarkTrainStep vs bench_torch.py --mode train) or infer (BenchmarkForward vs --mode infer)")
	fs.StringVar(&cfg.isa, "isa", "native", "native, or avx2: hold both sides to AVX2 (ours INCEPTIONLAB_SGEMM_KERNEL=avx2, PyTorch ONEDNN_MAX_CPU_ISA=AVX2), what a CPU without AVX-512 gets")
	fs.StringVar(&cfg.coreType, "coretype", "inherit", "OPENBLAS_CORETYPE for our runs: inherit (the environment's), auto (unset, with INCEPTIONLAB_OPENBLAS_AVX512=1: SkylakeX kernels on AVX-512 CPUs) or a core name")
	return fs, v
}

// finish checks the parsed flags and fills the config from them.
func (v *flagValues) finish(fs *flag.FlagSet) error {
	cfg := v.config
	shapes, modes, torchList := v.shapes, v.modes, v.torchList
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if cfg.shapes, err = parseShapes(shapes); err != nil {
		return err
	}
	for _, m := range strings.Split(modes, ",") {
		switch m = strings.TrimSpace(m); m {
		case "auto", "openblas", "gonum", "openblas-avx512", "gonum-avx2":
			cfg.blasModes = append(cfg.blasModes, m)
		default:
			return fmt.Errorf("-blas: %q is not one of auto, openblas, gonum, openblas-avx512, gonum-avx2", m)
		}
	}
	if cfg.coreType == "" {
		return fmt.Errorf("-coretype must be inherit, auto or an OpenBLAS core name, got an empty string")
	}
	for _, t := range strings.Split(torchList, ",") {
		switch t = strings.TrimSpace(t); t {
		case "stock", "tuned", "tuned-cl":
			if !slices.Contains(cfg.torch, t) {
				cfg.torch = append(cfg.torch, t)
			}
		default:
			return fmt.Errorf("-torch: %q is not one of stock, tuned, tuned-cl", t)
		}
	}
	if cfg.channelsLast && !slices.Contains(cfg.torch, "tuned-cl") {
		cfg.torch = append(cfg.torch, "tuned-cl")
	}
	if cfg.mode != "train" && cfg.mode != "infer" {
		return fmt.Errorf("-mode must be train or infer, got %q", cfg.mode)
	}
	if cfg.isa != "native" && cfg.isa != "avx2" {
		return fmt.Errorf("-isa must be native or avx2, got %q", cfg.isa)
	}
	if cfg.rounds < 1 {
		return fmt.Errorf("-rounds must be >= 1, got %d", cfg.rounds)
	}
	if cfg.torchSteps < 1 {
		return fmt.Errorf("-torch-steps must be >= 1, got %d", cfg.torchSteps)
	}
	return nil
}
