//go:build amd64

package optim

import "golang.org/x/sys/cpu"

// hasAdamKernel reports whether adamKernelAVX2 can run (AVX2, with OS support for YMM state, which
// x/sys/cpu checks).
var hasAdamKernel = cpu.X86.HasAVX2

// adamKernelAVX2 is implemented in adam_amd64.s. It applies adamChunk's update to w, gr, m, v[0:n], n a
// multiple of 8, eight values at a time, bit for bit the same; c1 and c2 are 1-b1 and 1-b2 (in float32).
//
//go:noescape
func adamKernelAVX2(w, gr, m, v *float32, n int, b1, c1, b2, c2, eps, lrT float32)
