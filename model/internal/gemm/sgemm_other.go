//go:build !amd64

package gemm

const (
	hasSgemmKernel    = false
	hasSgemmKernel512 = false
)

func sgemmKernel6x16(kc int, a, b, c *float32, ldc int, acc bool) {
	panic("model: sgemmKernel6x16 needs amd64 with AVX2 and FMA")
}

func sgemmKernel6x16Bias(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool) {
	panic("model: sgemmKernel6x16Bias needs amd64 with AVX2 and FMA")
}

func sgemmKernel6x32(kc int, a, b, c *float32, ldc int, acc bool) {
	panic("model: sgemmKernel6x32 needs amd64 with AVX-512")
}

func packRows32(dst, src *float32, ld, kc int) {
	panic("model: packRows32 needs amd64 with AVX-512")
}

func packT16(dst, src *float32, ld, blocks int) {
	panic("model: packT16 needs amd64 with AVX-512")
}

func packConvRows32(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int) {
	panic("model: packConvRows32 needs amd64 with AVX-512")
}

func biasReluAVX512(dst, src *float32, n int, b float32) {
	panic("model: biasReluAVX512 needs amd64 with AVX-512")
}

func sgemmKernel6x32Bias(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool) {
	panic("model: sgemmKernel6x32Bias needs amd64 with AVX-512")
}

func packConvRows32S2(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks0, masks1 *uint64, kc int, even *int32) {
	panic("model: packConvRows32S2 needs amd64 with AVX-512")
}

func packConvRows32G(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, idx *int32) {
	panic("model: packConvRows32G needs amd64 with AVX-512")
}

func scatterTile32(dst, src *float32, ldc, mh int, idx *int32, p int, lanes uint32, bias *float32, mode int) {
	panic("model: scatterTile32 needs amd64 with AVX-512")
}

func biasReluAVX2(dst, src *float32, n int, b float32) {
	panic("model: biasReluAVX2 needs amd64")
}

func packConvRows32Two(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks0, masks1 *uint32, kc int) {
	panic("model: packConvRows32Two needs amd64 with AVX-512")
}

func packRows16(dst, src *float32, ld, kc int) {
	panic("model: packRows16 needs amd64")
}

func packConvRows16(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, lanes *[256][8]int32) {
	panic("model: packConvRows16 needs amd64")
}

func packConvRows16Two(dst, x *float32, base0, base1 int, offs *int32, taps *uint8, masks *[2][maxConvK * maxConvK]uint32, kc int, lanes *[256][8]int32) {
	panic("model: packConvRows16Two needs amd64")
}

func packConvRows16G(dst, x *float32, base int, offs *int32, taps *uint8, masks *uint32, kc int, idx *int32, lanes *[256][8]int32) {
	panic("model: packConvRows16G needs amd64")
}

func sgemmKernel6x32Rows(kc int, a, b, c *float32, ldc int, acc bool, bias *float32, relu bool, rows int) {
	panic("model: sgemmKernel6x32Rows needs amd64 with AVX-512")
}
