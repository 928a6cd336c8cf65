package model

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"

	"inceptionlab/model/arch"
	"inceptionlab/model/internal/gemm"
)

// BenchmarkTrainStep measures full training steps (forward, backward, Adam) of the paper's GoogLeNet with
// aux heads on 3-channel inputs and 5 classes, at the three shapes the performance issue tracks. It
// reports images/second, achieved GFLOP/s (3 x multiply-adds x 2 per image, the convention of the PyTorch
// reference bench) and the process's peak RSS, and logs the BLAS in use. INCEPTIONLAB_BLAS=gonum measures
// the pure-Go fallback (see blas.go); cmd/internal/tools/benchcmp runs these against PyTorch and prints the ratios.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []struct{ size, batch int }{{224, 16}, {64, 64}, {32, 128}} {
		b.Run(fmt.Sprintf("%dx%d", c.size, c.batch), func(b *testing.B) {
			s := arch.DefaultSpec(5)
			s.ImageSize = c.size
			benchTrain(b, s, c.batch)
		})
	}
}

// BenchmarkTrainStepConfig measures the shapes of configs/googlenet_aux.yaml (32x32 gray, width 0.5,
// batch 64, 10 classes; the sub-benchmark "main") and of the measured full Fashion-MNIST recipe
// (configs/fashion_mnist_paper.yaml: 48x48 gray, width 0.5, batch 128; "fashion").
func BenchmarkTrainStepConfig(b *testing.B) {
	for _, c := range []struct {
		name        string
		size, batch int
	}{{"main", 32, 64}, {"fashion", 48, 128}} {
		b.Run(c.name, func(b *testing.B) {
			s := arch.DefaultSpec(10)
			s.InChannels, s.ImageSize, s.Width = 1, c.size, 0.5
			benchTrain(b, s, c.batch)
		})
	}
}

func benchTrain(b *testing.B, s arch.Spec, batch int) {
	b.Logf("BLAS: %s", gemm.BLASName())
	// Return the previous sub-benchmark's (or b.N round's) net to the OS so peakRSS is this one's.
	debug.FreeOSMemory()
	n, err := New(s, 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randomBatch(rng, batch, s.InChannels, s.ImageSize, s.ImageSize, s.NumClasses)
	if _, err := n.TrainStep(x, y, 3e-4); err != nil { // compile the graph and warm the buffers
		b.Fatal(err)
	}
	stop := startStepProfile(b)
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := n.TrainStep(x, y, 3e-4); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuSeconds() - cpu0
	stop()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(batch)/sec, "img/s")
	b.ReportMetric(1e3*cpu/float64(b.N), "cpu-ms/step")
	flops := 3 * 2 * float64(n.Plan().TotalMACs(true)) * float64(batch)
	b.ReportMetric(flops/sec/1e9, "GFLOP/s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MB")
	runtime.KeepAlive(n)
}

// stepProfileEnv names a directory: when set, benchTrain writes a CPU profile of its timed steps only
// (not graph building and the warm-up step, which -cpuprofile includes) to <dir>/<benchmark>.prof, one
// file per sub-benchmark and b.N round (the last round overwrites the first).
const stepProfileEnv = "INCEPTIONLAB_STEP_PROFILE"

// startStepProfile starts that profile when stepProfileEnv is set and returns the function that stops it.
func startStepProfile(b *testing.B) (stop func()) {
	dir := os.Getenv(stepProfileEnv)
	if dir == "" {
		return func() {}
	}
	name := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(b.Name())+".prof")
	f, err := os.Create(name)
	if err != nil {
		b.Fatalf("%s: %v", stepProfileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatalf("%s: %v", stepProfileEnv, err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Errorf("%s: %v", stepProfileEnv, err)
		}
	}
}

// cpuSeconds is the CPU time (user + system) the process has used. Per step, it measures the work a
// step costs even when other jobs share the cores, where wall time mostly measures their load.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// peakRSS is the process's maximum resident set size in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

// BenchmarkForward measures inference (main head only, no dropout) at the training shapes; the
// performance issue requires it to be at least as fast per image as BenchmarkTrainStep.
func BenchmarkForward(b *testing.B) {
	for _, c := range []struct{ size, batch int }{{224, 16}, {64, 64}, {32, 128}} {
		b.Run(fmt.Sprintf("%dx%d", c.size, c.batch), func(b *testing.B) {
			b.Logf("BLAS: %s", gemm.BLASName())
			s := arch.DefaultSpec(5)
			s.ImageSize = c.size
			debug.FreeOSMemory()
			n, err := New(s, 1)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			x, _ := randomBatch(rng, c.batch, s.InChannels, s.ImageSize, s.ImageSize, s.NumClasses)
			if _, err := n.Forward(x, c.batch); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := n.Forward(x, c.batch); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(c.batch)/sec, "img/s")
			b.ReportMetric(2*float64(n.Plan().TotalMACs(false))*float64(c.batch)/sec/1e9, "GFLOP/s")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MB")
		})
	}
}

// BenchmarkTrainStepVariant compares the naive Inception modules with the reference at 64x64, batch 32:
// their step time relative to "ref" should track their multiply-add ratio (macs-x-ref).
func BenchmarkTrainStepVariant(b *testing.B) {
	ref := arch.DefaultSpec(5)
	ref.ImageSize = 64
	refPlan, err := arch.NewPlan(ref)
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name             string
		reduce, poolProj bool
	}{{"ref", true, true}, {"naive+proj", false, true}, {"naive-pure", false, false}} {
		b.Run(v.name, func(b *testing.B) {
			s := ref
			s.Reduce, s.PoolProj = v.reduce, v.poolProj
			p, err := arch.NewPlan(s)
			if err != nil {
				b.Fatal(err)
			}
			benchTrain(b, s, 32)
			b.ReportMetric(float64(p.TotalMACs(true))/float64(refPlan.TotalMACs(true)), "macs-x-ref") // after benchTrain's ResetTimer, which drops metrics
		})
	}
}
