package arch

import (
	"fmt"
	"math"
)

// StudyExample is the paper's motivating case for 1x1 reductions: Filters KxK filters over an input with
// InChannels channels, either directly (naive) or after Reducers 1x1 filters. Counts are weights only
// (biases add Filters, resp. Reducers+Filters), as in the paper's argument.
type StudyExample struct {
	InChannels, Reducers, Filters, Kernel int
	NaiveWeights                          int64   // K*K*InChannels*Filters
	ReducedWeights                        int64   // InChannels*Reducers + K*K*Reducers*Filters
	Ratio                                 float64 // NaiveWeights / ReducedWeights
}

// NewStudyExample computes the naive and reduced weight counts for the given sizes.
func NewStudyExample(inChannels, reducers, filters, kernel int) StudyExample {
	k2 := int64(kernel * kernel)
	e := StudyExample{InChannels: inChannels, Reducers: reducers, Filters: filters, Kernel: kernel,
		NaiveWeights:   k2 * int64(inChannels) * int64(filters),
		ReducedWeights: int64(inChannels)*int64(reducers) + k2*int64(reducers)*int64(filters),
	}
	e.Ratio = float64(e.NaiveWeights) / float64(e.ReducedWeights)
	return e
}

// PaperStudyExample is the example of the issue and of 4a's 5x5 branch scaled up: 512 channels into 64 5x5
// filters, with 24 1x1 reducers.
func PaperStudyExample() StudyExample { return NewStudyExample(512, 24, 64, 5) }

// Cost is a parameter (weights + biases) and multiply-accumulate count for one image.
type Cost struct{ Params, MACs int64 }

// BlockStudy compares one Inception block across the three module variants, each counted inside its own
// full network: Reduce is the standard module, NaiveProj drops the 3x3/5x5 reductions but keeps the pool
// projection (same input and output channels as Reduce, so the pair isolates what the 1x1 reductions
// save), NaivePure also drops the projection, so its input grows from block to block (paper Fig. 2a).
type BlockStudy struct {
	Name                         string
	Reduce, NaiveProj, NaivePure Cost
	NaivePureIn, NaivePureOut    int // channels in and out of the block in the naive-pure network
}

// VariantTotal is one whole network of the study.
type VariantTotal struct {
	Variant          string // "reduce", "naive+proj" or "naive-pure"
	Reduce, PoolProj bool
	WithAux, NoAux   Cost // NoAux is the inference network
}

// Study is the 1x1-reduction study for one base spec: the example, the per-block comparison and the
// whole-network totals.
type Study struct {
	ImageSize, NumClasses int
	Example               StudyExample
	Blocks                []BlockStudy
	Totals                []VariantTotal // reduce, naive+proj, naive-pure
}

// studyVariants are the three module variants, in report order.
var studyVariants = []struct {
	name             string
	reduce, poolProj bool
}{{"reduce", true, true}, {"naive+proj", false, true}, {"naive-pure", false, false}}

// NewStudy builds base as the three variants (base.Reduce and base.PoolProj are overridden; aux heads are
// counted as base.Aux describes them, and the totals report both with and without them) and compares them.
func NewStudy(base Spec) (*Study, error) {
	st := &Study{ImageSize: base.ImageSize, NumClasses: base.NumClasses, Example: PaperStudyExample()}
	var plans []*Plan
	for _, v := range studyVariants {
		s := base
		s.Reduce, s.PoolProj = v.reduce, v.poolProj
		p, err := NewPlan(s)
		if err != nil {
			return nil, fmt.Errorf("model: study variant %s: %w", v.name, err)
		}
		plans = append(plans, p)
		st.Totals = append(st.Totals, VariantTotal{Variant: v.name, Reduce: v.reduce, PoolProj: v.poolProj,
			WithAux: Cost{p.TotalParams(true), p.TotalMACs(true)},
			NoAux:   Cost{p.TotalParams(false), p.TotalMACs(false)}})
	}
	groups := make([]map[string]GroupCount, len(plans))
	for i, p := range plans {
		groups[i] = map[string]GroupCount{}
		for _, g := range p.Groups() {
			groups[i][g.Name] = g
		}
	}
	pure := plans[2]
	for _, bs := range base.Blocks {
		g := "inception_" + bs.Name
		cost := func(i int) Cost { return Cost{groups[i][g].Params, groups[i][g].MACs} }
		concat := pure.Layers[pure.LayerIndex(g+"/concat")]
		first := pure.Layers[pure.LayerIndex(g+"/b1_1x1")]
		st.Blocks = append(st.Blocks, BlockStudy{Name: bs.Name, Reduce: cost(0), NaiveProj: cost(1), NaivePure: cost(2),
			NaivePureIn: first.In.C, NaivePureOut: concat.Out.C})
	}
	return st, nil
}

// Ratio returns a/b, or +Inf when b is 0.
func Ratio(a, b int64) float64 {
	if b == 0 {
		return math.Inf(1)
	}
	return float64(a) / float64(b)
}

// PaperRow is one row of Table 1 of Szegedy et al. 2014 as published, beside what the channel table gives.
// The paper counts weights only (no biases) in units of 1024 ("K") and multiply-adds in millions ("M") at
// 224x224. ParamsMatch/OpsMatch record whether our weights/1024 and MACs/1e6 agree with the published value
// to within 1 unit (a test checks these flags against the computed counts).
type PaperRow struct {
	Group       string  // our group name
	Params      string  // as printed, e.g. "159K"
	Ops         string  // as printed, e.g. "128M"
	ParamsK     float64 // the printed value in K (1024 weights)
	OpsM        float64 // the printed value in M (1e6 MACs)
	ParamsMatch bool
	OpsMatch    bool
	Note        string
}

// PaperTable1 holds the rows of the paper's Table 1 that have parameters, in network order.
var PaperTable1 = []PaperRow{
	{"conv1", "2.7K", "34M", 2.7, 34, false, false,
		"7x7/2 conv, 3->64: 9,408 weights and 118M MACs at 112x112. The paper's pair agrees with itself (2.7K x 112x112 = 34M) but not with a 7x7x3x64 kernel; unexplained in the paper."},
	{"conv2", "112K", "360M", 112, 360, true, true,
		"The paper's row covers the 1x1 64 reduce and the 3x3 192 conv (4,096 + 110,592 weights)."},
	{"inception_3a", "159K", "128M", 159, 128, true, true, "Matches."},
	{"inception_3b", "380K", "304M", 380, 304, true, true, "Matches within rounding."},
	{"inception_4a", "364K", "73M", 364, 73, false, true,
		"Ops match; the channel row gives ~367K weights (paper 364K, 0.8% lower)."},
	{"inception_4b", "437K", "88M", 437, 88, true, true, "Matches within rounding."},
	{"inception_4c", "463K", "100M", 463, 100, false, true,
		"Ops match; the channel row gives ~498K weights. The paper's own 100M/463K is 211 MACs per weight where a 14x14 block has 196, so its params entry is the outlier."},
	{"inception_4d", "580K", "119M", 580, 119, false, true,
		"Ops match; the channel row gives ~591K weights (paper 580K, 1.8% lower)."},
	{"inception_4e", "840K", "170M", 840, 170, false, true,
		"Ops match; the channel row gives 847K weights (paper 840K, 0.8% lower)."},
	{"inception_5a", "1072K", "54M", 1072, 54, false, false,
		"Both differ by ~5%: the channel row gives 1018K weights and 51M MACs. The paper's pair agrees with itself at 7x7, as if 5a had ~54K more weights than its channel row."},
	{"inception_5b", "1388K", "71M", 1388, 71, false, true,
		"Ops match; the channel row gives 1409K weights (paper 1388K, 1.5% lower)."},
	{"fc", "1000K", "1M", 1000, 1, true, true, "Matches: 1024x1000 weights."},
}

// PaperTotalOpsM is the sum of the paper's ops column (the "1.5 billion multiply-adds" of its text).
func PaperTotalOpsM() float64 {
	t := 0.0
	for _, r := range PaperTable1 {
		t += r.OpsM
	}
	return t
}
