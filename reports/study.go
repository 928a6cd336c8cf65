package reports

import "fmt"

// Study holds the numbers of the 1x1 parameter study. The caller computes
// them from the model (reports does not import model) and passes them in
// [Options.Study]; a nil Study renders as "study not available".
type Study struct {
	// Example is the paper's motivating case (512 channels into 64 5x5
	// filters, with or without 24 1x1 reducers first).
	Example StudyExample
	// ImageSize is the experiment's input size (square images).
	ImageSize int
	// Blocks lists every Inception block at ImageSize, Blocks224 the same
	// network at 224x224 (where the paper's Table 1 applies).
	Blocks    []StudyBlock
	Blocks224 []StudyBlock
	// Totals are whole networks: one per variant and aux setting.
	Totals []StudyTotal
}

// StudyExample is one KxK convolution with Out filters over In channels,
// directly (Naive weights, K*K*In*Out) or after Reduce 1x1 filters
// (Reduced weights, In*Reduce + K*K*Reduce*Out).
type StudyExample struct {
	In, Reduce, Out, K int
	Naive, Reduced     int64
}

// StudyBlock compares one Inception block with 1x1 reductions (Reduce*)
// and without them (Naive*, the naive module keeping the pool projection so
// that both have the same input and output channels). Params count weights
// and biases; MACs are multiply-adds per image.
type StudyBlock struct {
	Name                      string
	ReduceParams, NaiveParams int64
	ReduceMACs, NaiveMACs     int64
	// PaperParams and PaperOps are the paper's Table 1 figures for the block
	// in absolute units (weights, multiply-adds; the paper prints them in
	// units of 1024 and of one million and counts weights without biases);
	// 0 means the paper has no figure.
	PaperParams, PaperOps int64
	// Note explains a difference from the paper, if any.
	Note string
}

// StudyTotal is one whole network of the study.
type StudyTotal struct {
	Variant string // "reduce", "naive+proj" or "naive-pure"
	Aux     bool   // aux heads counted (training network) or not (inference)
	Params  int64
	MACs    int64
}

// studyView is the template's form of a Study.
type studyView struct {
	Example     string
	ExampleMath string
	ImageSize   int
	Blocks      []studyBlockView
	Blocks224   []studyBlockView
	Totals      []studyTotalView
}

type studyBlockView struct {
	Name                                  string
	ReduceParams, NaiveParams, ParamRatio cell
	ReduceMACs, NaiveMACs, MACRatio       cell
	PaperParams, PaperOps                 cell
	Note                                  string
}

type studyTotalView struct {
	Variant, Aux             string
	Params, MACs             cell
	Versus, ParamsVs, MACsVs string
}

// newStudyView formats s; nil gives nil.
func newStudyView(s *Study) *studyView {
	if s == nil {
		return nil
	}
	e := s.Example
	v := &studyView{ImageSize: s.ImageSize}
	v.Example = fmt.Sprintf("A %dx%d convolution with %d filters over %d input channels has %s weights; "+
		"with %d 1x1 reducers in front it has %s, %s fewer.", e.K, e.K, e.Out, e.In, commas(e.Naive),
		e.Reduce, commas(e.Reduced), ratioText(float64(e.Naive), float64(e.Reduced)))
	v.ExampleMath = fmt.Sprintf("naive: %d·%d·%d·%d = %s    reduced: %d·%d + %d·%d·%d·%d = %s",
		e.K, e.K, e.In, e.Out, commas(e.Naive), e.In, e.Reduce, e.K, e.K, e.Reduce, e.Out, commas(e.Reduced))
	v.Blocks = studyBlocks(s.Blocks)
	v.Blocks224 = studyBlocks(s.Blocks224)
	for i, t := range s.Totals {
		tv := studyTotalView{Variant: t.Variant, Aux: auxText(t.Aux), Params: countCell(t.Params, true),
			MACs: countCell(t.MACs, true)}
		// Each network is compared with the first one of the same aux setting.
		for _, base := range s.Totals[:i] {
			if base.Aux == t.Aux {
				tv.Versus = base.Variant
				tv.ParamsVs = ratioText(float64(t.Params), float64(base.Params))
				tv.MACsVs = ratioText(float64(t.MACs), float64(base.MACs))
				break
			}
		}
		v.Totals = append(v.Totals, tv)
	}
	return v
}

func studyBlocks(bs []StudyBlock) []studyBlockView {
	var out []studyBlockView
	for _, b := range bs {
		out = append(out, studyBlockView{
			Name:         b.Name,
			ReduceParams: countCell(b.ReduceParams, true), NaiveParams: countCell(b.NaiveParams, true),
			ParamRatio:  ratioCell(float64(b.NaiveParams), float64(b.ReduceParams)),
			ReduceMACs:  countCell(b.ReduceMACs, true),
			NaiveMACs:   countCell(b.NaiveMACs, true),
			MACRatio:    ratioCell(float64(b.NaiveMACs), float64(b.ReduceMACs)),
			PaperParams: paperCell(b.PaperParams, 1024, "K"),
			PaperOps:    paperCell(b.PaperOps, 1e6, "M"),
			Note:        b.Note,
		})
	}
	return out
}

// paperCell prints a paper figure the way the paper does (159K, 128M).
func paperCell(v int64, unit float64, suffix string) cell {
	if v <= 0 {
		return cell{Text: dash, Sort: ""}
	}
	x := float64(v) / unit
	text := fmt.Sprintf("%.0f%s", x, suffix)
	if x < 10 && x != float64(int64(x)) {
		text = fmt.Sprintf("%.1f%s", x, suffix)
	}
	return cell{Text: text, Title: commas(v), Sort: fmt.Sprint(v)}
}

func auxText(b bool) string {
	if b {
		return "with aux heads"
	}
	return "without aux heads"
}
