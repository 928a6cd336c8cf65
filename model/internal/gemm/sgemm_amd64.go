//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

// hasSgemmKernel reports whether sgemmKernel6x16 can run (AVX2 and FMA, with OS support for YMM state,
// which x/sys/cpu checks).
var hasSgemmKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasSgemmKernel512 reports whether sgemmKernel6x32 can run (AVX-512F with OS support for ZMM state).
var hasSgemmKernel512 = cpu.X86.HasAVX512F

// sgemmKernel6x16 is implemented in sgemm_amd64.s.
//
//go:noescape
func sgemmKernel6x16(kc int, a, b, c *float32, ldc int, acc bool)

// sgemmKernel6x16Bias is implemented in sgemm_amd64.s: sgemmKernel6x16 with the bias (+ ReLU) epilogue
// applied to the tile in registers (AVX2 and FMA).
//
//go:noescape
func sgemmKernel6x16Bias(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool)

// sgemmKernel6x32 is implemented in sgemm_amd64.s.
//
//go:noescape
func sgemmKernel6x32(kc int, a, b, c *float32, ldc int, acc bool)

// packRows32 is implemented in sgemm_amd64.s (AVX-512F; packB calls it only for the 32-wide panels of
// the AVX-512 kernel).
//
//go:noescape
func packRows32(dst, src *float32, ld, kc int)

// packT16 is implemented in sgemm_amd64.s (AVX-512F; packB's transposed path for 32-wide panels).
//
//go:noescape
func packT16(dst, src *float32, ld, blocks int)

// packConvRows32 is implemented in sgemm_amd64.s (AVX-512F; packBConv calls it only for the 32-wide
// panels of the AVX-512 kernel). For r < kc, row r of the panel dst is lane i: x[base + offs[r] + i] where
// bit i of masks[taps[r]] is set, else 0 (masked lanes are never read, so base + offs[r] + i may lie
// outside x there).
//
//go:noescape
func packConvRows32(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int)

// biasReluAVX512 is implemented in sgemm_amd64.s (AVX-512F): biasRelu32 on n values.
//
//go:noescape
func biasReluAVX512(dst, src *float32, n int, b float32)

// sgemmKernel6x32Bias is implemented in sgemm_amd64.s: sgemmKernel6x32 with the bias (+ ReLU) epilogue
// applied to the tile in registers.
//
//go:noescape
func sgemmKernel6x32Bias(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool)

// packConvRows32S2 is implemented in sgemm_amd64.s (AVX-512F): packConvRows32 for stride 2, a panel
// spanning at most two output rows.
//
//go:noescape
func packConvRows32S2(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks0, masks1 *uint64, kc int, even *int32)

// packConvRows32G is implemented in sgemm_amd64.s (AVX-512F): packConvRows32 for panels of whole
// small-map samples, by masked gathers.
//
//go:noescape
func packConvRows32G(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, idx *int32)

// scatterTile32 is implemented in sgemm_amd64.s (AVX-512F): epilogue.scatter on one tile of up to 32
// columns by masked scatters.
//
//go:noescape
func scatterTile32(dst, src *float32, ldc, mh int, idx *int32, p int, lanes uint32, bias *float32, mode int)

// biasReluAVX2 is implemented in sgemm_amd64.s (AVX2; n a multiple of 8).
//
//go:noescape
func biasReluAVX2(dst, src *float32, n int, b float32)

// packConvRows32Two is implemented in sgemm_amd64.s (AVX-512F): packConvRows32 for a panel over two
// samples, four masked loads per row.
//
//go:noescape
func packConvRows32Two(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks0, masks1 *uint32, kc int)

// packRows16 is implemented in sgemm_amd64.s (AVX; packB's full 16-wide panels of the AVX2 kernel).
//
//go:noescape
func packRows16(dst, src *float32, ld, kc int)

// packConvRows16Two is implemented in sgemm_amd64.s (AVX2): packConvRows32Two for the AVX2 kernel's
// 16-wide panels, both samples' masks in one array.
//
//go:noescape
func packConvRows16Two(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks *[2][maxConvK * maxConvK]uint32, kc int, lanes *[256][8]int32)

// packConvRows16 and packConvRows16G are implemented in sgemm_amd64.s (AVX2): packConvRows32 and
// packConvRows32G for the AVX2 kernel's 16-wide panels, with byte masks expanded through lanes.
//
//go:noescape
func packConvRows16(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, lanes *[256][8]int32)

//go:noescape
func packConvRows16G(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, idx *int32, lanes *[256][8]int32)

// sgemmKernel6x32Rows is implemented in sgemm_amd64.s (AVX-512F): sgemmKernel6x32Bias (bias nil: no
// epilogue) storing only the first rows rows of the tile.
//
//go:noescape
func sgemmKernel6x32Rows(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool, rows int)
