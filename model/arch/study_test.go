package arch

import (
	"math"
	"testing"
)

func TestStudyExample(t *testing.T) {
	tests := []struct {
		in, red, filters, k int
		naive, reduced      int64
	}{
		{512, 24, 64, 5, 5 * 5 * 512 * 64, 512*24 + 5*5*24*64},
		{192, 16, 32, 5, 153600, 3072 + 12800}, // 3a's 5x5 branch
		{1, 1, 1, 1, 1, 2},
	}
	for _, tc := range tests {
		e := NewStudyExample(tc.in, tc.red, tc.filters, tc.k)
		if e.NaiveWeights != tc.naive || e.ReducedWeights != tc.reduced || e.Ratio != float64(tc.naive)/float64(tc.reduced) {
			t.Errorf("%+v: want %d / %d", e, tc.naive, tc.reduced)
		}
	}
	if e := PaperStudyExample(); e.NaiveWeights != 819200 || e.ReducedWeights != 50688 || math.Round(e.Ratio*10) != 162 {
		t.Errorf("paper example %+v, want 819,200 / 50,688 = 16.2x", e)
	}
}

func TestNewStudy(t *testing.T) {
	for _, size := range []int{32, 224} {
		base := DefaultSpec(1000)
		base.ImageSize = size
		st, err := NewStudy(base)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Blocks) != 9 || len(st.Totals) != 3 {
			t.Fatalf("%d blocks, %d totals", len(st.Blocks), len(st.Totals))
		}
		in := 192
		for _, b := range st.Blocks {
			bs := DefaultBlocks()[0]
			for _, d := range DefaultBlocks() {
				if d.Name == b.Name {
					bs = d
				}
			}
			// the naive+proj block has the reduce block's input; its params follow the closed form
			rp, _ := blockParams(b.NaivePureIn, bs, false, false)
			if b.NaivePure.Params != rp {
				t.Errorf("%s naive-pure params %d, closed form %d (in %d)", b.Name, b.NaivePure.Params, rp, b.NaivePureIn)
			}
			if b.NaivePureIn < in {
				t.Errorf("%s: naive-pure input %d shrank below %d", b.Name, b.NaivePureIn, in)
			}
			in = b.NaivePureOut
			// 3a has the same input in both naive variants (naive-pure then only lacks the projection);
			// from 3b on the pure variant's grown input makes it the largest
			if b.Reduce.Params >= b.NaiveProj.Params || (b.Name != "3a" && b.NaiveProj.Params >= b.NaivePure.Params) {
				t.Errorf("%s: params reduce %d, naive+proj %d, naive-pure %d", b.Name, b.Reduce.Params, b.NaiveProj.Params, b.NaivePure.Params)
			}
		}
		for i, v := range st.Totals {
			p := mustPlan(t, variantSpec(1000, size, v.Reduce, v.PoolProj))
			if v.WithAux != (Cost{p.TotalParams(true), p.TotalMACs(true)}) || v.NoAux != (Cost{p.TotalParams(false), p.TotalMACs(false)}) {
				t.Errorf("%s totals %+v", v.Variant, v)
			}
			if i > 0 && v.NoAux.MACs <= st.Totals[i-1].NoAux.MACs {
				t.Errorf("%s is not more expensive than %s", v.Variant, st.Totals[i-1].Variant)
			}
		}
	}
	// at 224 the 1x1 reductions save 2.8x the inference MACs and 3.6x the parameters against naive+proj
	base := DefaultSpec(1000)
	st, _ := NewStudy(base)
	r, n := st.Totals[0].NoAux, st.Totals[1].NoAux
	if got := Ratio(n.MACs, r.MACs); math.Abs(got-2.80) > 0.01 {
		t.Errorf("naive+proj/reduce MACs %.3f, want 2.80", got)
	}
	if got := Ratio(n.Params, r.Params); math.Abs(got-3.62) > 0.01 {
		t.Errorf("naive+proj/reduce params %.3f, want 3.62", got)
	}
	if !math.IsInf(Ratio(1, 0), 1) {
		t.Error("Ratio(1, 0) is not +Inf")
	}
}

func TestNewStudyError(t *testing.T) {
	base := DefaultSpec(1000)
	base.ImageSize = 8
	if _, err := NewStudy(base); err == nil {
		t.Error("study of an invalid spec succeeded")
	}
}
