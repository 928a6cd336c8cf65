package ops

import (
	"fmt"
	"math"
	"testing"
)

// TestChunkDz checks convDzOp's kernel against the two passes it replaces: the ReLU mask over NCHW
// (maskPositive) and the per-chunk gather of the backward GEMMs (gatherSamples), and the bias gradient
// from the chunk layout against the one from NCHW, bit for bit, for chunk sizes that divide the batch
// and ones that leave a partial last chunk, with and without the mask.
func TestChunkDz(t *testing.T) {
	const n, o, p = 7, 3, 5
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
