package arch

import (
	"fmt"
	"math"
	"testing"
)

// TestCountsByHand checks rows of the 224x224, 1000-class table against counts worked out by hand.
func TestCountsByHand(t *testing.T) {
	p := mustPlan(t, DefaultSpec(1000))
	rows := map[string]GroupCount{}
	for _, g := range p.Groups() {
		rows[g.Name] = g
	}
	tests := []struct {
		group        string
		params, macs int64
	}{
		// 7*7*3*64 + 64 = 9,472; MACs 112*112*64 outputs x 7*7*3 = 118,013,952
		{"conv1", 9472, 118013952},
		// 1x1 64->64: 4,096+64; 3x3 64->192: 110,592+192; MACs (4,096+110,592) x 56*56
		{"conv2", 114944, 359661568},
		// 3a on 192 channels at 28x28:
		//   b1 192*64+64 = 12,352; b2 reduce 192*96+96 = 18,528; b2 3x3 9*96*128+128 = 110,720;
		//   b3 reduce 192*16+16 = 3,088; b3 5x5 25*16*32+32 = 12,832; pool proj 192*32+32 = 6,176
		//   sum 163,696; weights 163,328, x 28*28 = 128,049,152 MACs
		{"inception_3a", 163696, 128049152},
		// 3b on 256: 32,896 + 32,896 + (9*128*192+192 = 221,376) + 8,224 + (25*32*96+96 = 76,896) + 16,448
		{"inception_3b", 388736, 388096 * 784},
		// aux on 4a's 512x14x14: pool 5/3 -> 4x4; conv 512*128+128 = 65,664; fc1 2048*1024+1024 = 2,098,176;
		// fc2 1024*1000+1000 = 1,025,000. MACs 65,536*16 + 2,097,152 + 1,024,000
		{"aux1", 3188840, 65536*16 + 2097152 + 1024000},
		// 1024*1000 + 1000
		{"fc", 1025000, 1024000},
		{"pool3", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.group, func(t *testing.T) {
			g, ok := rows[tc.group]
			if !ok {
				t.Fatalf("no group %s", tc.group)
			}
			if g.Params != tc.params || g.MACs != tc.macs {
				t.Errorf("params %d MACs %d, want %d and %d", g.Params, g.MACs, tc.params, tc.macs)
			}
		})
	}
	if w := p.Weights("inception_3a"); w != 163328 {
		t.Errorf("3a weights %d, want 163,328", w)
	}
}

// blockParams is an independent closed form for one Inception block's parameters (weights + biases).
func blockParams(in int, b BlockSpec, reduce, poolProj bool) (params int64, out int) {
	conv := func(c, o, k int) int64 { return int64(c*o*k*k + o) }
	params = conv(in, b.Ch1x1, 1)
	if reduce {
		params += conv(in, b.Ch3x3Red, 1) + conv(b.Ch3x3Red, b.Ch3x3, 3) + conv(in, b.Ch5x5Red, 1) + conv(b.Ch5x5Red, b.Ch5x5, 5)
	} else {
		params += conv(in, b.Ch3x3, 3) + conv(in, b.Ch5x5, 5)
	}
	out = b.Ch1x1 + b.Ch3x3 + b.Ch5x5 + in
	if poolProj {
		params += conv(in, b.PoolProj, 1)
		out += b.PoolProj - in
	}
	return params, out
}

// TestTotalParamsClosedForm derives the whole-network totals from the channel table with the closed form
// above (stem 9,472 + 114,944; each block chained on its input channels; aux 128*C+128 + 2048*1024+1024 +
// 1024*n+n; fc C*n+n) and compares them with the plan for the three variants and two class counts. The
// reduce total without aux at 1000 classes is 6,998,552 (6,990,272 weights; torchvision's googlenet
// differs: it has BatchNorm, no conv biases and a 3x3 instead of the 5x5 in branch 3).
func TestTotalParamsClosedForm(t *testing.T) {
	for _, v := range variants {
		for _, n := range []int{10, 1000} {
			t.Run(fmt.Sprintf("%s/%d", v.name, n), func(t *testing.T) {
				p := mustPlan(t, variantSpec(n, 224, v.reduce, v.poolProj))
				total := int64(7*7*3*64+64) + int64(64*64+64) + int64(9*64*192+192)
				aux := int64(0)
				c := 192
				for _, b := range DefaultBlocks() {
					bp, out := blockParams(c, b, v.reduce, v.poolProj)
					total += bp
					c = out
					if b.Name == "4a" || b.Name == "4d" {
						aux += int64(c*128+128) + int64(2048*1024+1024) + int64(1024*n+n)
					}
				}
				total += int64(c*n + n)
				if got := p.TotalParams(false); got != total {
					t.Errorf("TotalParams(false) = %d, closed form %d", got, total)
				}
				if got := p.TotalParams(true); got != total+aux {
					t.Errorf("TotalParams(true) = %d, closed form %d", got, total+aux)
				}
				var sum int64
				for _, pi := range p.ParamInfos() {
					sum += int64(pi.Size())
				}
				if sum != p.TotalParams(true) {
					t.Errorf("ParamInfos hold %d values, TotalParams(true) = %d", sum, p.TotalParams(true))
				}
				if v.name == "reduce" && n == 1000 && total != 6998552 {
					t.Errorf("reduce total %d, want 6,998,552", total)
				}
			})
		}
	}
}

func TestTotalsAreGroupSums(t *testing.T) {
	p := mustPlan(t, DefaultSpec(1000))
	var params, macs, auxParams, auxMACs int64
	for _, g := range p.Groups() {
		params += g.Params
		macs += g.MACs
		if g.Aux {
			auxParams += g.Params
			auxMACs += g.MACs
		}
	}
	if params != p.TotalParams(true) || macs != p.TotalMACs(true) {
		t.Errorf("group sums %d/%d, totals %d/%d", params, macs, p.TotalParams(true), p.TotalMACs(true))
	}
	if params-auxParams != p.TotalParams(false) || macs-auxMACs != p.TotalMACs(false) {
		t.Errorf("group sums without aux %d/%d, totals %d/%d", params-auxParams, macs-auxMACs, p.TotalParams(false), p.TotalMACs(false))
	}
	// The paper's "1.5 billion multiply-adds at inference": we count 1.58 G; the paper's ops column sums to
	// 1,502 M, and the gap is its conv1 entry (34 M against 118 M, see PaperTable1).
	if got := float64(p.TotalMACs(false)) / 1e9; math.Abs(got-1.583) > 0.001 {
		t.Errorf("inference MACs %.4f G, want 1.583 G", got)
	}
}

// TestPaperTable1 checks the flags of PaperTable1 against the counts: a row "matches" when our weights
// (no biases) / 1024 and MACs / 1e6 are within 1 of the published K and M values at 224x224.
func TestPaperTable1(t *testing.T) {
	p := mustPlan(t, DefaultSpec(1000))
	rows := map[string]GroupCount{}
	for _, g := range p.Groups() {
		rows[g.Name] = g
	}
	for _, r := range PaperTable1 {
		t.Run(r.Group, func(t *testing.T) {
			g, ok := rows[r.Group]
			if !ok {
				t.Fatalf("paper row %s names no group", r.Group)
			}
			k := float64(p.Weights(r.Group)) / 1024
			m := float64(g.MACs) / 1e6
			if got := math.Abs(k-r.ParamsK) <= 1; got != r.ParamsMatch {
				t.Errorf("weights %.2fK vs paper %s: match = %v, table says %v", k, r.Params, got, r.ParamsMatch)
			}
			if got := math.Abs(m-r.OpsM) <= 1; got != r.OpsMatch {
				t.Errorf("MACs %.2fM vs paper %s: match = %v, table says %v", m, r.Ops, got, r.OpsMatch)
			}
		})
	}
	// The paper's units: weights without biases, K = 1024. Over the rows that match, counting biases or
	// using K = 1000 moves our numbers further from the published ones.
	var errW, errB, errDec float64
	for _, r := range PaperTable1 {
		if r.ParamsMatch {
			errW += math.Abs(float64(p.Weights(r.Group))/1024 - r.ParamsK)
			errB += math.Abs(float64(rows[r.Group].Params)/1024 - r.ParamsK)
			errDec += math.Abs(float64(p.Weights(r.Group))/1000 - r.ParamsK)
		}
	}
	if errW >= errB || errW >= errDec {
		t.Errorf("summed |error| in K: weights/1024 %.2f, with biases %.2f, weights/1000 %.2f", errW, errB, errDec)
	}
	if got := PaperTotalOpsM(); got != 1502 {
		t.Errorf("paper ops column sums to %g M, want 1502", got)
	}
}
