package gemm

// FMAPeakKernel is a loop of independent fused multiply-adds that runs at a core's float32 FMA
// throughput: model's BenchmarkFMAPeak runs it on every core at once to measure the machine's peak, the
// yardstick for the GFLOP/s the training benchmarks report (cmd/internal/tools/benchcmp prints both).
type FMAPeakKernel struct {
	Name  string      // vector width: "avx512" (ZMM) or "avx2" (YMM)
	Flops int         // per iteration
	Run   func(n int) // n iterations
}
