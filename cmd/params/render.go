package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"inceptionlab/internal/numfmt"
	"inceptionlab/model/arch"
)

// tableJSON is the -json form of the per-block table. Totals are the sums of the rows, so they include
// the aux heads when the model has them (every trainable parameter, one training forward pass).
type tableJSON struct {
	TotalParams int64       `json:"total_params"`
	TotalMACs   int64       `json:"total_macs"`
	ImageSize   int         `json:"image_size"`
	NumClasses  int         `json:"num_classes"`
	Blocks      []blockJSON `json:"blocks"`
}

type blockJSON struct {
	Name     string `json:"name"`
	Params   int64  `json:"params"`
	MACs     int64  `json:"macs"`
	OutShape [3]int `json:"out_shape"` // [C, H, W]
}

// renderTable writes the per-group parameter and multiply-add table of p, as aligned text (with the
// paper's Table 1 columns beside ours when p is the paper's network at 224x224, and notes on every
// difference) or as JSON.
func renderTable(w io.Writer, p *arch.Plan, asJSON bool) error {
	groups := p.Groups()
	if asJSON {
		out := tableJSON{TotalParams: p.TotalParams(true), TotalMACs: p.TotalMACs(true),
			ImageSize: p.Spec.ImageSize, NumClasses: p.Spec.NumClasses, Blocks: []blockJSON{}}
		for _, g := range groups {
			out.Blocks = append(out.Blocks, blockJSON{g.Name, g.Params, g.MACs, [3]int{g.Out.C, g.Out.H, g.Out.W}})
		}
		return writeJSON(w, out)
	}

	s := p.Spec
	rows, why := arch.PaperRows(s)
	paper := rows != nil
	var b strings.Builder
	fmt.Fprintf(&b, "GoogLeNet %s\n\n", describe(s))
	fmt.Fprintf(&b, "%-14s %-12s %13s %16s", "group", "output CxHxW", "params", "MACs")
	if paper {
		fmt.Fprintf(&b, " | %8s %7s   %9s %7s", "weights", "paper", "MACs", "paper")
	}
	b.WriteString("\n")
	var marked []arch.PaperRow
	for _, g := range groups {
		fmt.Fprintf(&b, "%-14s %-12s %13s %16s", g.Name, fmt.Sprintf("%dx%dx%d", g.Out.C, g.Out.H, g.Out.W), comma(g.Params), comma(g.MACs))
		if r, ok := rows[g.Name]; ok {
			mark := func(match bool) string {
				if match {
					return " "
				}
				return "*"
			}
			fmt.Fprintf(&b, " | %7.1fK %7s %s %8.1fM %7s %s", float64(p.Weights(g.Name))/1024, r.Params, mark(r.ParamsMatch),
				float64(g.MACs)/1e6, r.Ops, mark(r.OpsMatch))
			if !r.ParamsMatch || !r.OpsMatch {
				marked = append(marked, r)
			}
		} else if g.Aux {
			b.WriteString("   (aux head: training only)")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%-27s %13s %16s", "total (with aux heads)", comma(p.TotalParams(true)), comma(p.TotalMACs(true)))
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-27s %13s %16s", "inference (without aux)", comma(p.TotalParams(false)), comma(p.TotalMACs(false)))
	if paper {
		fmt.Fprintf(&b, " | %26.1fM %6.0fM", float64(p.TotalMACs(false))/1e6, arch.PaperTotalOpsM())
	}
	b.WriteString("\n\nNotes\n")
	note := func(format string, args ...any) { fmt.Fprintf(&b, "- "+format+"\n", args...) }
	note("params: weights + biases, as Keras' model.summary() counts them; MACs: multiply-accumulates of the conv and dense layers for one image (pools, concatenation and dropout count 0).")
	note("totals with aux heads are the sums of all rows (what a training step runs and a checkpoint stores); the aux heads are not run at inference.")
	if paper {
		note("paper columns: Table 1 of Szegedy et al. 2014. Its params count weights only (no biases) in K = 1024 and its ops are multiply-adds in M = 10^6; \"weights\" and \"MACs\" beside them are ours in the same units. * marks a difference of more than one unit.")
		for _, r := range marked {
			note("%s (paper %s params, %s ops): %s", r.Group, r.Params, r.Ops, r.Note)
		}
		note("inference total: %.2f G MACs against the paper's \"1.5 billion multiply-adds\"; its ops column sums to %.0f M, and conv1 (%.0f M against 34 M) accounts for most of the gap.",
			float64(p.TotalMACs(false))/1e9, arch.PaperTotalOpsM(), float64(groupMACs(groups, "conv1"))/1e6)
		if s.NumClasses != 1000 {
			note("fc is compared with the paper only at 1000 classes (this model has %d).", s.NumClasses)
		}
	} else {
		note("paper columns omitted: Table 1 describes the standard network at 224x224x3 with width 1; %s.", why)
	}
	for i, h := range p.Heads[1:] {
		pool := p.Layers[p.LayerIndex(fmt.Sprintf("aux%d/pool", i+1))]
		switch {
		case pool.Kind == arch.KindAdaptive:
			note("%s: the %dx%d map under it is smaller than 5x5, so an adaptive average pool to 4x4 replaces the 5/3 average pool (same 4x4x%d dense input).", h.Name, pool.In.H, pool.In.W, s.Scale(128))
		case pool.Out.H != 4:
			note("%s: the 5/3 average pool turns the %dx%d map into %dx%d (4x4 at 224), so fc1 has %s inputs instead of %s.", h.Name, pool.In.H, pool.In.W, pool.Out.H, pool.Out.W,
				comma(int64(pool.Out.H*pool.Out.W*s.Scale(128))), comma(int64(16*s.Scale(128))))
		}
	}
	return writeText(w, b.String())
}

func describe(s arch.Spec) string {
	variant := "reduce"
	switch {
	case !s.Reduce && s.PoolProj:
		variant = "naive+proj"
	case !s.Reduce && !s.PoolProj:
		variant = "naive-pure"
	case s.Reduce && !s.PoolProj:
		variant = "reduce, no pool projection"
	}
	width := s.Width
	if width == 0 {
		width = 1
	}
	aux := "no aux heads"
	if s.Aux.Enabled {
		aux = "aux heads after " + strings.Join(s.Aux.After, ", ")
	}
	return fmt.Sprintf("%dx%dx%d, %d classes, %s module, width %g, %s", s.ImageSize, s.ImageSize, s.InChannels, s.NumClasses, variant, width, aux)
}

func groupMACs(gs []arch.GroupCount, name string) int64 {
	for _, g := range gs {
		if g.Name == name {
			return g.MACs
		}
	}
	return 0
}

// studyJSON is the -study -json output.
type studyJSON struct {
	ImageSize  int              `json:"image_size"`
	NumClasses int              `json:"num_classes"`
	Example    exampleJSON      `json:"example"`
	Blocks     []blockStudyJSON `json:"blocks"`
	Totals     []variantJSON    `json:"totals"`
}

type exampleJSON struct {
	InChannels     int     `json:"in_channels"`
	Reducers       int     `json:"reducers"`
	Filters        int     `json:"filters"`
	Kernel         int     `json:"kernel"`
	NaiveWeights   int64   `json:"naive_weights"`
	ReducedWeights int64   `json:"reduced_weights"`
	Ratio          float64 `json:"ratio"`
}

type costJSON struct {
	Params int64 `json:"params"`
	MACs   int64 `json:"macs"`
}

type blockStudyJSON struct {
	Name         string   `json:"name"`
	Reduce       costJSON `json:"reduce"`
	NaiveProj    costJSON `json:"naive_proj"`
	NaivePure    costJSON `json:"naive_pure"`
	NaivePureIn  int      `json:"naive_pure_in_channels"`
	NaivePureOut int      `json:"naive_pure_out_channels"`
}

type variantJSON struct {
	Variant string   `json:"variant"`
	WithAux costJSON `json:"with_aux"`
	NoAux   costJSON `json:"without_aux"`
}

// renderStudy writes the 1x1-reduction study for the network base describes (its Reduce and PoolProj
// are overridden by each variant): the paper's example, each block as reduce / naive+proj / naive-pure,
// and the whole-network totals.
func renderStudy(w io.Writer, base arch.Spec, asJSON bool) error {
	imageSize, numClasses := base.ImageSize, base.NumClasses
	st, err := arch.NewStudy(base)
	if err != nil {
		return err
	}
	if asJSON {
		e := st.Example
		out := studyJSON{ImageSize: st.ImageSize, NumClasses: st.NumClasses,
			Example: exampleJSON{e.InChannels, e.Reducers, e.Filters, e.Kernel, e.NaiveWeights, e.ReducedWeights, math.Round(e.Ratio*1000) / 1000}}
		for _, b := range st.Blocks {
			out.Blocks = append(out.Blocks, blockStudyJSON{b.Name, costJSON(b.Reduce), costJSON(b.NaiveProj), costJSON(b.NaivePure), b.NaivePureIn, b.NaivePureOut})
		}
		for _, v := range st.Totals {
			out.Totals = append(out.Totals, variantJSON{v.Variant, costJSON(v.WithAux), costJSON(v.NoAux)})
		}
		return writeJSON(w, out)
	}

	var b strings.Builder
	e := st.Example
	fmt.Fprintf(&b, "1x1 reduction study: GoogLeNet at %dx%dx%d, %d classes", imageSize, imageSize, base.InChannels, numClasses)
	if base.Width != 1 {
		fmt.Fprintf(&b, ", width %g", base.Width)
	}
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "Example: %d %dx%d filters on a %d-channel input (weights only)\n", e.Filters, e.Kernel, e.Kernel, e.InChannels)
	fmt.Fprintf(&b, "  naive:   %d*%d*%d*%d = %s\n", e.Kernel, e.Kernel, e.InChannels, e.Filters, comma(e.NaiveWeights))
	fmt.Fprintf(&b, "  reduced: 1*1*%d*%d + %d*%d*%d*%d = %s  (%.1fx fewer)\n\n", e.InChannels, e.Reducers, e.Kernel, e.Kernel, e.Reducers, e.Filters,
		comma(e.ReducedWeights), e.Ratio)

	fmt.Fprintf(&b, "Per block (each counted inside its own network; naive+proj has the same input as reduce)\n")
	fmt.Fprintf(&b, "%-5s %11s %11s %6s %15s %15s %6s   %-11s %11s %15s\n", "block", "reduce", "naive+proj", "x", "reduce MACs", "naive+proj MACs", "x",
		"pure in>out", "naive-pure", "naive-pure MACs")
	for _, bl := range st.Blocks {
		fmt.Fprintf(&b, "%-5s %11s %11s %5.1fx %15s %15s %5.1fx   %-11s %11s %15s\n", bl.Name,
			comma(bl.Reduce.Params), comma(bl.NaiveProj.Params), arch.Ratio(bl.NaiveProj.Params, bl.Reduce.Params),
			comma(bl.Reduce.MACs), comma(bl.NaiveProj.MACs), arch.Ratio(bl.NaiveProj.MACs, bl.Reduce.MACs),
			fmt.Sprintf("%d>%d", bl.NaivePureIn, bl.NaivePureOut), comma(bl.NaivePure.Params), comma(bl.NaivePure.MACs))
	}
	fmt.Fprintf(&b, "\nWhole network\n")
	fmt.Fprintf(&b, "%-11s %13s %13s %16s %16s %8s %8s\n", "variant", "params", "params+aux", "MACs", "MACs+aux", "params x", "MACs x")
	ref := st.Totals[0]
	for _, v := range st.Totals {
		fmt.Fprintf(&b, "%-11s %13s %13s %16s %16s %7.2fx %7.2fx\n", v.Variant, comma(v.NoAux.Params), comma(v.WithAux.Params),
			comma(v.NoAux.MACs), comma(v.WithAux.MACs), arch.Ratio(v.NoAux.Params, ref.NoAux.Params), arch.Ratio(v.NoAux.MACs, ref.NoAux.MACs))
	}
	b.WriteString("\nNotes\n")
	b.WriteString("- params are weights + biases; MACs are multiply-accumulates for one image; x columns compare with reduce (without aux).\n")
	b.WriteString("- naive+proj drops the 3x3 and 5x5 reductions but keeps the pool projection, so every block keeps its output width.\n")
	b.WriteString("- naive-pure is the paper's Fig. 2a: the pool branch passes its input through, so the width grows block to block\n" +
		"  (\"pure in>out\" channels) and later blocks and the classifier grow with it.\n")
	b.WriteString("- aux heads (after 4a and 4d) are counted in params+aux and MACs+aux; they are not run at inference.\n")
	return writeText(w, b.String())
}

// writeText writes s without trailing spaces on its lines (blank paper cells leave some).
func writeText(w io.Writer, s string) error {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// comma is numfmt.Commas, the thousands separators every command uses.
var comma = numfmt.Commas
