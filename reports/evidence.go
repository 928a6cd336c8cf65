package reports

import (
	"context"

	"inceptionlab/tracking"
)

// evidence is what a run's best checkpoint said about single examples:
// class names, per-example test predictions, confusion matrices and
// thumbnails of some mistakes. Every part may be missing (older runs,
// runs without a test split).
type evidence struct {
	Classes   []string
	TestPreds []tracking.Prediction
	TestConf  [][]int
	ValConf   [][]int
	Thumbs    []tracking.Thumbnail
}

func loadEvidence(ctx context.Context, st *tracking.Store, id string) (evidence, error) {
	var ev evidence
	var err error
	if ev.Classes, err = st.Classes(ctx, id); err != nil {
		return ev, err
	}
	if ev.TestPreds, err = st.Predictions(ctx, id, tracking.SplitTest); err != nil {
		return ev, err
	}
	if ev.TestConf, err = st.Confusion(ctx, id, tracking.SplitTest); err != nil {
		return ev, err
	}
	if ev.ValConf, err = st.Confusion(ctx, id, tracking.SplitVal); err != nil {
		return ev, err
	}
	if ev.Thumbs, err = st.Thumbnails(ctx, id, tracking.SplitTest); err != nil {
		return ev, err
	}
	return ev, nil
}

// correct returns per-example correctness of the test predictions.
func (ev evidence) correct() []bool {
	out := make([]bool, len(ev.TestPreds))
	for i, p := range ev.TestPreds {
		out[i] = p.Correct()
	}
	return out
}

// sameExamples reports whether two runs' test predictions are over the
// same examples with the same labels, so they can be paired.
func sameExamples(a, b []tracking.Prediction) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Example != b[i].Example || a[i].Label != b[i].Label {
			return false
		}
	}
	return true
}

// addConfusion sums b into a (growing a as needed) and returns it.
func addConfusion(a, b [][]int) [][]int {
	k := max(len(a), len(b))
	for len(a) < k {
		a = append(a, nil)
	}
	for i := range a {
		for len(a[i]) < k {
			a[i] = append(a[i], 0)
		}
	}
	for i, row := range b {
		for j, n := range row {
			a[i][j] += n
		}
	}
	return a
}

// className is the name of class i, or its number.
func className(classes []string, i int) string {
	if i >= 0 && i < len(classes) && classes[i] != "" {
		return classes[i]
	}
	return "class " + itoa(i)
}
