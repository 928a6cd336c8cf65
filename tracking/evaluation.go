package tracking

import (
	"context"
	"database/sql"
	"math"
	"strconv"
	"strings"
)

// Splits an evaluation can be recorded for.
const (
	SplitVal  = "val"
	SplitTest = "test"
)

// Prediction is what a model said about one example of a split.
type Prediction struct {
	// Example is the example's index in its split (the data set's order).
	Example int
	// Label is the true class, Pred the predicted (top-1) class.
	Label, Pred int
	// PTrue is the softmax probability of the true class (NaN if unknown).
	PTrue float64
	// Top5 lists the most probable classes, best first (at most 5; may be empty).
	Top5 []int
}

// Correct reports whether the top-1 prediction is the true class.
func (p Prediction) Correct() bool { return p.Label == p.Pred }

// Thumbnail is a small PNG image of one example of a split.
type Thumbnail struct {
	Example int
	PNG     []byte
}

// Evaluation is the per-example and per-class result of one split, as
// evaluated with the run's best checkpoint.
type Evaluation struct {
	// Split is SplitVal or SplitTest.
	Split string
	// Confusion[i][j] counts examples of class i predicted as class j; it is
	// square, one row per class. Nil records no matrix.
	Confusion [][]int
	// Predictions are the examples, one per index; nil records none (the
	// runner keeps per-example rows for the test split only).
	Predictions []Prediction
	// Thumbnails are images of some examples (the runner keeps misclassified ones).
	Thumbnails []Thumbnail
}

// ConfusionOf builds the confusion matrix of predictions over k classes.
// Labels or predictions outside [0, k) are an error.
func ConfusionOf(preds []Prediction, k int) ([][]int, error) {
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	for _, p := range preds {
		if p.Label < 0 || p.Label >= k || p.Pred < 0 || p.Pred >= k {
			return nil, invalid("prediction of example "+strconv.Itoa(p.Example),
				strconv.Itoa(p.Label)+"->"+strconv.Itoa(p.Pred), "classes in [0, "+strconv.Itoa(k)+")")
		}
		m[p.Label][p.Pred]++
	}
	return m, nil
}

// SetClasses records the run's class names in index order, replacing any
// recorded before. It works on ended runs too (a report may add them later).
func (s *Store) SetClasses(ctx context.Context, runID string, names []string) error {
	if err := s.writable(); err != nil {
		return err
	}
	id, err := s.resolve(ctx, runID)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM classes WHERE run_id = ?`, id); err != nil {
			return err
		}
		for i, n := range names {
			if _, err := tx.ExecContext(ctx, `INSERT INTO classes (run_id, idx, name) VALUES (?, ?, ?)`, id, i, n); err != nil {
				return err
			}
		}
		return nil
	})
	return s.wrap("classes of run "+id, err)
}

// SetClasses records the run's class names; see [Store.SetClasses].
func (r *Run) SetClasses(ctx context.Context, names []string) error {
	return r.store.SetClasses(ctx, r.ID, names)
}

// SetEvaluation records a split's evaluation in one transaction, replacing
// whatever was recorded for that split before (a resumed run re-evaluates).
// The run must be RUNNING; call it before Finish.
func (r *Run) SetEvaluation(ctx context.Context, e Evaluation) error {
	s := r.store
	if err := s.writable(); err != nil {
		return err
	}
	if err := e.validate(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := r.runningBest(ctx, tx); err != nil {
			return err
		}
		for _, table := range []string{"confusion", "predictions", "thumbnails"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE run_id = ? AND split = ?`, r.ID, e.Split); err != nil {
				return err
			}
		}
		for i, row := range e.Confusion {
			for j, n := range row {
				if n == 0 {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO confusion (run_id, split, label, pred, n) VALUES (?, ?, ?, ?, ?)`,
					r.ID, e.Split, i, j, n); err != nil {
					return err
				}
			}
		}
		if len(e.Predictions) > 0 {
			st, err := tx.PrepareContext(ctx, `INSERT INTO predictions (run_id, split, example, label, pred, p_true, top5)
				VALUES (?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, p := range e.Predictions {
				if _, err := st.ExecContext(ctx, r.ID, e.Split, p.Example, p.Label, p.Pred, nullable(p.PTrue),
					joinInts(p.Top5)); err != nil {
					return err
				}
			}
		}
		for _, t := range e.Thumbnails {
			if _, err := tx.ExecContext(ctx, `INSERT INTO thumbnails (run_id, split, example, png) VALUES (?, ?, ?, ?)`,
				r.ID, e.Split, t.Example, t.PNG); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE runs SET heartbeat_ms = ? WHERE id = ?`, ms(s.now()), r.ID)
		return err
	})
	return s.wrap(e.Split+" evaluation of run "+r.ID, err)
}

func (e Evaluation) validate() error {
	if e.Split != SplitVal && e.Split != SplitTest {
		return invalid("Evaluation.Split", e.Split, `"val" or "test"`)
	}
	for i, row := range e.Confusion {
		if len(row) != len(e.Confusion) {
			return invalid("Evaluation.Confusion row "+strconv.Itoa(i), len(row),
				"a square matrix, "+strconv.Itoa(len(e.Confusion))+" cells per row")
		}
		for _, n := range row {
			if n < 0 {
				return invalid("Evaluation.Confusion row "+strconv.Itoa(i), n, "counts >= 0")
			}
		}
	}
	seen := make(map[int]bool, len(e.Predictions))
	for _, p := range e.Predictions {
		switch {
		case p.Example < 0 || seen[p.Example]:
			return invalid("Evaluation.Predictions example", p.Example, "distinct indices >= 0")
		case p.Label < 0 || p.Pred < 0:
			return invalid("Evaluation.Predictions class", strconv.Itoa(p.Label)+"->"+strconv.Itoa(p.Pred), "classes >= 0")
		case len(p.Top5) > 5:
			return invalid("Evaluation.Predictions top5", len(p.Top5), "at most 5 classes")
		}
		seen[p.Example] = true
	}
	for _, t := range e.Thumbnails {
		if t.Example < 0 || len(t.PNG) == 0 {
			return invalid("Evaluation.Thumbnails example", t.Example, "an index >= 0 with PNG bytes")
		}
	}
	return nil
}

// Classes returns a run's class names in index order (nil if none were recorded).
func (s *Store) Classes(ctx context.Context, runID string) ([]string, error) {
	id, err := s.resolve(ctx, runID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT idx, name FROM classes WHERE run_id = ? ORDER BY idx`, id)
	if err != nil {
		return nil, s.wrap("classes of run "+id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var i int
		var n string
		if err := rows.Scan(&i, &n); err != nil {
			return nil, s.wrap("classes of run "+id, err)
		}
		for len(out) < i {
			out = append(out, "") // a gap (never written by this package) reads as an unnamed class
		}
		out = append(out, n)
	}
	return out, s.wrap("classes of run "+id, rows.Err())
}

// Predictions returns a run's per-example predictions on a split, ordered by
// example (nil if none were recorded).
func (s *Store) Predictions(ctx context.Context, runID, split string) ([]Prediction, error) {
	id, err := s.resolve(ctx, runID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT example, label, pred, p_true, top5 FROM predictions
		WHERE run_id = ? AND split = ? ORDER BY example`, id, split)
	if err != nil {
		return nil, s.wrap("predictions of run "+id, err)
	}
	defer rows.Close()
	var out []Prediction
	for rows.Next() {
		var p Prediction
		var pt sql.NullFloat64
		var top5 string
		if err := rows.Scan(&p.Example, &p.Label, &p.Pred, &pt, &top5); err != nil {
			return nil, s.wrap("predictions of run "+id, err)
		}
		p.PTrue = math.NaN()
		if pt.Valid {
			p.PTrue = pt.Float64
		}
		if p.Top5, err = splitInts(top5); err != nil {
			return nil, errorf("predictions of run %s example %d: %w: top5 %q", id, p.Example, ErrCorrupt, top5)
		}
		out = append(out, p)
	}
	return out, s.wrap("predictions of run "+id, rows.Err())
}

// Confusion returns a run's confusion matrix on a split, k x k where k is
// the number of recorded classes (or one more than the largest class seen,
// if that is larger); nil if none was recorded.
func (s *Store) Confusion(ctx context.Context, runID, split string) ([][]int, error) {
	id, err := s.resolve(ctx, runID)
	if err != nil {
		return nil, err
	}
	var nClasses int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM classes WHERE run_id = ?`, id).Scan(&nClasses); err != nil {
		return nil, s.wrap("confusion of run "+id, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT label, pred, n FROM confusion WHERE run_id = ? AND split = ?`, id, split)
	if err != nil {
		return nil, s.wrap("confusion of run "+id, err)
	}
	defer rows.Close()
	type c struct{ i, j, n int }
	var cells []c
	k := nClasses
	for rows.Next() {
		var x c
		if err := rows.Scan(&x.i, &x.j, &x.n); err != nil {
			return nil, s.wrap("confusion of run "+id, err)
		}
		k = max(k, x.i+1, x.j+1)
		cells = append(cells, x)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("confusion of run "+id, err)
	}
	if len(cells) == 0 {
		return nil, nil
	}
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	for _, x := range cells {
		m[x.i][x.j] = x.n
	}
	return m, nil
}

// Thumbnails returns a run's thumbnails of a split, ordered by example.
func (s *Store) Thumbnails(ctx context.Context, runID, split string) ([]Thumbnail, error) {
	id, err := s.resolve(ctx, runID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT example, png FROM thumbnails WHERE run_id = ? AND split = ? ORDER BY example`, id, split)
	if err != nil {
		return nil, s.wrap("thumbnails of run "+id, err)
	}
	defer rows.Close()
	var out []Thumbnail
	for rows.Next() {
		var t Thumbnail
		if err := rows.Scan(&t.Example, &t.PNG); err != nil {
			return nil, s.wrap("thumbnails of run "+id, err)
		}
		out = append(out, t)
	}
	return out, s.wrap("thumbnails of run "+id, rows.Err())
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

func splitInts(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
