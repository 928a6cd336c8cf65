//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

// fmaPeak512 and fmaPeak256 are implemented in fmapeak_amd64.s.
//
//go:noescape
func fmaPeak512(n int)

//go:noescape
func fmaPeak256(n int)

// FMAPeakKernels lists the FMA-throughput loops this CPU runs, widest first.
func FMAPeakKernels() []FMAPeakKernel {
	var ks []FMAPeakKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, FMAPeakKernel{"avx512", 384, fmaPeak512})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, FMAPeakKernel{"avx2", 192, fmaPeak256})
	}
	return ks
}
