package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestChunkDz checks convDzOp's kernel against the two passes it replaces: the ReLU mask over NCHW
// (maskPositive) and the per-chunk gather of the backward GEMMs (gatherSamples), and the bias gradient
// from the chunk layout against the one from NCHW, bit for bit, for chunk sizes that divide the batch
// and ones that leave a partial last chunk, with and without the mask.
func TestChunkDz(t *testing.T) {
	const n, o, p = 7, 19, 5 // 19 channels: two blocks of eight summed side by side, three one at a time
	y, dy := make([]float32, n*o*p), make([]float32, n*o*p)
	for i := range y {
		y[i] = float32(i%7) - 3                     // negative, zero and positive outputs
		dy[i] = float32(math.Sin(float64(i))) * 1.7 // sums that round
	}
	y[4] = float32(math.Copysign(0, -1))
	for _, s := range []int{2, 3, 7} {
		for _, relu := range []bool{false, true} {
			t.Run(fmt.Sprintf("chunk%d/relu=%t", s, relu), func(t *testing.T) {
				masked := dy
				var yIn []float32
				if relu {
					masked = make([]float32, len(dy))
					maskPositive(y, dy, masked)
					yIn = y
				}
				want := make([]float32, len(dy))
				for n0 := 0; n0 < n; n0 += s {
					ns := min(s, n-n0)
					gatherSamples(masked[n0*o*p:], want[n0*o*p:], ns, o, p)
				}
				got := make([]float32, len(dy))
				for i := range got {
					got[i] = float32(math.NaN()) // every value must be written
				}
				chunkDz(yIn, dy, got, n, o, p, s)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("dz[%d] = %v, mask-then-gather gives %v", i, got[i], want[i])
					}
				}
				wantDb, db := make([]float32, o), make([]float32, o)
				sumChannels(masked, wantDb, n, o, p)
				sumChannelsChunked(got, db, n, o, p, s)
				for c := range wantDb {
					if math.Float32bits(db[c]) != math.Float32bits(wantDb[c]) {
						t.Fatalf("db[%d] = %v from the chunk layout, %v from NCHW", c, db[c], wantDb[c])
					}
				}
			})
		}
	}
}

// TestSumChannelsMatchesSerial checks the bias gradient, eight channels side by side and split across
// cores, against one channel at a time in one goroutine: the same bits, for channel counts around
// multiples of eight and runs of 1 to 3137 values.
func TestSumChannelsMatchesSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ n, o, inner int }{{1, 1, 1}, {2, 7, 5}, {3, 8, 16}, {2, 9, 49}, {4, 17, 196}, {2, 64, 3137}, {16, 40, 1}} {
		dz := randSlice(rng, tc.n*tc.o*tc.inner)
		want := make([]float32, tc.o)
		for i := 0; i < tc.n; i++ {
			for c := 0; c < tc.o; c++ {
				var s float32
				for _, v := range dz[(i*tc.o+c)*tc.inner : (i*tc.o+c+1)*tc.inner] {
					s += v
				}
				want[c] += s
			}
		}
		got := make([]float32, tc.o)
		for i := range got {
			got[i] = float32(math.NaN()) // must be overwritten
		}
		sumChannels(dz, got, tc.n, tc.o, tc.inner)
		for c := range want {
			if math.Float32bits(got[c]) != math.Float32bits(want[c]) {
				t.Fatalf("%+v: channel %d sums to %v, serially %v", tc, c, got[c], want[c])
			}
		}
	}
}

// BenchmarkSumChannels is the bias gradient of a 224x16 per-sample convolution (192 channels of
// 56x56).
func BenchmarkSumChannels(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	n, o, inner := 16, 192, 56*56
	dz, db := randSlice(rng, n*o*inner), make([]float32, o)
	b.SetBytes(int64(4 * len(dz)))
	for b.Loop() {
		sumChannels(dz, db, n, o, inner)
	}
}
