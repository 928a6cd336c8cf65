package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
)

// BenchmarkTrainStep measures full training steps (forward, backward, Adam) of the paper's GoogLeNet with
// aux heads on 3-channel inputs and 5 classes, at the three shapes the performance issue tracks. It
// reports images/second, achieved GFLOP/s (3 x multiply-adds x 2 per image, the convention of the PyTorch
// reference bench) and the process's peak RSS.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []struct{ size, batch int }{{224, 16}, {64, 64}, {32, 128}} {
		b.Run(fmt.Sprintf("%dx%d", c.size, c.batch), func(b *testing.B) {
			s := DefaultSpec(5)
			s.ImageSize = c.size
			benchTrain(b, s, c.batch)
		})
	}
}

// BenchmarkTrainStepConfig measures the shape of configs/googlenet_aux.yaml (32x32 gray, width 0.5, batch 64, 10 classes).
func BenchmarkTrainStepConfig(b *testing.B) {
	s := DefaultSpec(10)
	s.InChannels, s.ImageSize, s.Width = 1, 32, 0.5
	benchTrain(b, s, 64)
}

func benchTrain(b *testing.B, s Spec, batch int) {
	n, err := New(s, 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randomBatch(rng, batch, s.InChannels, s.ImageSize, s.ImageSize, s.NumClasses)
	if _, err := n.TrainStep(x, y, 3e-4); err != nil { // compile the graph and warm the buffers
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := n.TrainStep(x, y, 3e-4); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(batch)/sec, "img/s")
	flops := 3 * 2 * float64(n.Plan().TotalMACs(true)) * float64(batch)
	b.ReportMetric(flops/sec/1e9, "GFLOP/s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MB")
	runtime.KeepAlive(n)
}

// peakRSS is the process's maximum resident set size in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}
