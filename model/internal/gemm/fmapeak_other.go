//go:build !amd64

package gemm

// FMAPeakKernels lists the FMA-throughput loops this CPU runs: none without amd64 assembly.
func FMAPeakKernels() []FMAPeakKernel { return nil }
