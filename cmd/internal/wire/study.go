package wire

import (
	"math"

	"inceptionlab/model/arch"
	"inceptionlab/reports"
)

// Study computes the 1x1 parameter study for spec (at its input size, and for the paper's network at
// 224x224) in the report's
// terms: per-block reduce vs naive (naive+proj, which keeps input and output widths, so the pair isolates
// what the reductions save), beside the paper's Table 1, and whole-network totals for every variant.
func Study(spec arch.Spec) (*reports.Study, error) {
	at, err := arch.NewStudy(spec)
	if err != nil {
		return nil, err
	}
	// At 224 the comparison is with the paper's Table 1, so use the paper's network (RGB, width 1, 1000
	// classes) with this experiment's channel table and module variant.
	s224 := arch.DefaultSpec(1000)
	s224.Blocks, s224.Aux = spec.Blocks, spec.Aux
	at224, err := arch.NewStudy(s224)
	if err != nil {
		return nil, err
	}
	paper, _ := arch.PaperRows(s224) // nil when the channel table is not the paper's
	ex := at.Example
	out := &reports.Study{
		Example: reports.StudyExample{In: ex.InChannels, Reduce: ex.Reducers, Out: ex.Filters, K: ex.Kernel,
			Naive: ex.NaiveWeights, Reduced: ex.ReducedWeights},
		ImageSize: spec.ImageSize,
		Blocks:    studyBlocks(at, nil),
		Blocks224: studyBlocks(at224, paper),
	}
	for _, t := range at.Totals {
		out.Totals = append(out.Totals,
			reports.StudyTotal{Variant: t.Variant, Aux: true, Params: t.WithAux.Params, MACs: t.WithAux.MACs},
			reports.StudyTotal{Variant: t.Variant, Aux: false, Params: t.NoAux.Params, MACs: t.NoAux.MACs})
	}
	return out, nil
}

// studyBlocks lists the study's blocks in the report's terms, with the paper's figures from rows (the
// Table 1 join, arch.PaperRows) where there are any.
func studyBlocks(st *arch.Study, rows map[string]arch.PaperRow) []reports.StudyBlock {
	var out []reports.StudyBlock
	for _, b := range st.Blocks {
		sb := reports.StudyBlock{Name: b.Name, ReduceParams: b.Reduce.Params, NaiveParams: b.NaiveProj.Params,
			ReduceMACs: b.Reduce.MACs, NaiveMACs: b.NaiveProj.MACs}
		if r, ok := rows["inception_"+b.Name]; ok {
			sb.PaperParams = int64(math.Round(r.ParamsK * 1024))
			sb.PaperOps = int64(math.Round(r.OpsM * 1e6))
			sb.Note = r.Note
		}
		out = append(out, sb)
	}
	return out
}
