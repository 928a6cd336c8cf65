package tracking

import (
	"context"
	"io"
	"strconv"
)

// What [Store.ExportEvaluation] can write.
const (
	ExportPredictions = "predictions"
	ExportConfusion   = "confusion"
)

var predictionColumns = []string{
	"run_id", "experiment", "trial", "seed", "split", "example", "label", "label_name", "pred", "pred_name",
	"correct", "p_true", "top5",
}

var confusionColumns = []string{
	"run_id", "experiment", "trial", "seed", "split", "label", "label_name", "pred", "pred_name", "n",
}

// ExportEvaluation writes the per-example predictions (what =
// "predictions": one row per example, runs oldest first, splits and
// examples in order) or the confusion matrices (what = "confusion": one row
// per nonzero cell) of the runs selected by f, in the formats of
// [Store.Export]. Class names come from the run's recorded classes ("" when
// there are none).
func (s *Store) ExportEvaluation(ctx context.Context, w io.Writer, format, what string, f Filter) error {
	if format != FormatCSV && format != FormatJSON {
		return invalid("export format", format, `"csv" or "json"`)
	}
	header := predictionColumns
	switch what {
	case ExportPredictions:
	case ExportConfusion:
		header = confusionColumns
	default:
		return invalid("export what", what, `"predictions" or "confusion"`)
	}
	runs, err := s.Runs(ctx, f)
	if err != nil {
		return err
	}
	out := newRowWriter(w, format, header)
	for _, r := range runs {
		classes, err := s.Classes(ctx, r.ID)
		if err != nil {
			return err
		}
		name := func(i int) cell {
			if i >= 0 && i < len(classes) {
				return text(classes[i])
			}
			return text("")
		}
		head := []cell{text(r.ID), text(r.Experiment), text(r.Trial), integer(r.Seed)}
		for _, split := range []string{SplitVal, SplitTest} {
			if what == ExportPredictions {
				preds, err := s.Predictions(ctx, r.ID, split)
				if err != nil {
					return err
				}
				for _, p := range preds {
					cells := append(append([]cell(nil), head...), text(split), integer(int64(p.Example)),
						integer(int64(p.Label)), name(p.Label), integer(int64(p.Pred)), name(p.Pred),
						integer(int64(btoi(p.Correct()))), number(p.PTrue), text(joinInts(p.Top5)))
					if err := out.row(cells); err != nil {
						return errorf("export: %w", err)
					}
				}
				continue
			}
			m, err := s.Confusion(ctx, r.ID, split)
			if err != nil {
				return err
			}
			for i, row := range m {
				for j, n := range row {
					if n == 0 {
						continue
					}
					cells := append(append([]cell(nil), head...), text(split), integer(int64(i)), name(i),
						integer(int64(j)), name(j), cell{s: strconv.Itoa(n), num: true})
					if err := out.row(cells); err != nil {
						return errorf("export: %w", err)
					}
				}
			}
		}
	}
	if err := out.close(); err != nil {
		return errorf("export: %w", err)
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
