package model

import (
	"runtime"
	"sync"
	"testing"

	"inceptionlab/model/internal/gemm"
)

// BenchmarkFMAPeak measures the machine's float32 FMA peak: every core (GOMAXPROCS goroutines) runs the
// FMA-throughput loop of each vector width this CPU has (avx512: ZMM, avx2: YMM) at once, for b.N
// million iterations each; GFLOP/s is the total over the cores.
func BenchmarkFMAPeak(b *testing.B) {
	ks := gemm.FMAPeakKernels()
	if len(ks) == 0 {
		b.Skip("no FMA peak loop for this CPU")
	}
	for _, k := range ks {
		b.Run(k.Name, func(b *testing.B) {
			const iters = 1 << 20
			workers := runtime.GOMAXPROCS(0)
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < b.N; i++ {
						k.Run(iters)
					}
				}()
			}
			wg.Wait()
			flops := float64(k.Flops) * iters * float64(b.N) * float64(workers)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
