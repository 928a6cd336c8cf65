package tracking

import (
	"context"
	"database/sql"
	"math"
)

// Epoch is one epoch's metrics. Accuracies are whatever scale the caller
// uses (the runner logs fractions in [0, 1]). NaN values (a diverged loss)
// are stored as NULL and read back as NaN.
type Epoch struct {
	Epoch        int
	TrainLoss    float64
	TrainTop1    float64
	ValLoss      float64
	ValTop1      float64
	ValTop5      float64
	LR           float64
	Seconds      float64
	ImagesPerSec float64
	// MainLoss and AuxLoss split the training loss into the main classifier's
	// part and the (weighted) auxiliary classifiers' part.
	MainLoss float64
	AuxLoss  float64
	// EMA holds the validation metrics of the moving average of the weights
	// (train.ema); nil for runs without one (stored as NULL).
	EMA *EMAVal
}

// EMAVal is the validation of a run's moving average of the weights.
type EMAVal struct {
	Loss, Top1, Top5 float64
}

// LogEpoch records one epoch in one transaction, bumps the heartbeat and
// updates the run's best epoch (highest validation top-1 of the weights the
// run keeps: the moving average's when the epoch has one, as the runner's
// best checkpoint does; the earlier epoch wins a tie). Epoch numbers are unique
// per run ([ErrDuplicateEpoch]).
func (r *Run) LogEpoch(ctx context.Context, e Epoch) error {
	s := r.store
	if err := s.writable(); err != nil {
		return err
	}
	if e.Epoch < 0 {
		return invalid("Epoch.Epoch", e.Epoch, "an epoch number >= 0")
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		best, err := r.runningBest(ctx, tx)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM epochs WHERE run_id = ? AND epoch = ?`,
			r.ID, e.Epoch).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errorf("run %s epoch %d: %w", r.ID, e.Epoch, ErrDuplicateEpoch)
		}
		now := ms(s.now())
		ema := [3]any{nil, nil, nil}
		if e.EMA != nil {
			ema = [3]any{nullable(e.EMA.Loss), nullable(e.EMA.Top1), nullable(e.EMA.Top5)}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO epochs (run_id, epoch, train_loss, train_top1, val_loss,
			val_top1, val_top5, lr, seconds, images_per_sec, main_loss, aux_loss, logged_ms,
			ema_val_loss, ema_val_top1, ema_val_top5)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, e.Epoch, nullable(e.TrainLoss), nullable(e.TrainTop1), nullable(e.ValLoss),
			nullable(e.ValTop1), nullable(e.ValTop5), nullable(e.LR), nullable(e.Seconds),
			nullable(e.ImagesPerSec), nullable(e.MainLoss), nullable(e.AuxLoss), now,
			ema[0], ema[1], ema[2]); err != nil {
			return err
		}
		if top1, top5 := e.kept(); better(top1, best) {
			_, err = tx.ExecContext(ctx, `UPDATE runs SET epochs = epochs + 1, heartbeat_ms = ?, best_epoch = ?,
				best_val_top1 = ?, best_val_top5 = ? WHERE id = ?`,
				now, e.Epoch, top1, nullable(top5), r.ID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE runs SET epochs = epochs + 1, heartbeat_ms = ? WHERE id = ?`, now, r.ID)
		}
		if err == nil && s.fault != nil {
			s.fault(FaultEpochTransaction)
		}
		return err
	})
	return s.wrap("log epoch of run "+r.ID, err)
}

// kept returns the validation top-1 and top-5 of the weights a run keeps from
// the epoch: the moving average's when the epoch validated one, else the raw
// weights'.
func (e Epoch) kept() (top1, top5 float64) {
	if e.EMA != nil && !math.IsNaN(e.EMA.Top1) { // a NaN is stored as NULL: keptTop1SQL falls back too
		return e.EMA.Top1, e.EMA.Top5
	}
	return e.ValTop1, e.ValTop5
}

// keptTop1SQL and keptTop5SQL are kept in SQL, for the epochs table.
const (
	keptTop1SQL = "COALESCE(ema_val_top1, val_top1)"
	keptTop5SQL = "CASE WHEN ema_val_top1 IS NOT NULL THEN ema_val_top5 ELSE val_top5 END"
)

// better reports whether top1 beats the current best validation top-1. NaN
// never wins.
func better(top1 float64, best sql.NullFloat64) bool {
	if math.IsNaN(top1) {
		return false
	}
	return !best.Valid || top1 > best.Float64
}

// Epochs returns every epoch of a run (id or unambiguous prefix) in order.
func (s *Store) Epochs(ctx context.Context, runID string) ([]Epoch, error) {
	id, err := s.resolve(ctx, runID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT epoch, train_loss, train_top1, val_loss, val_top1, val_top5, lr,
		seconds, images_per_sec, main_loss, aux_loss, ema_val_loss, ema_val_top1, ema_val_top5
		FROM epochs WHERE run_id = ? ORDER BY epoch`, id)
	if err != nil {
		return nil, s.wrap("epochs of run "+id, err)
	}
	defer rows.Close()
	var out []Epoch
	for rows.Next() {
		e, err := scanEpoch(rows)
		if err != nil {
			return nil, s.wrap("epochs of run "+id, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("epochs of run "+id, err)
	}
	return out, nil
}

// scanEpoch reads the 14 epoch columns in declaration order.
func scanEpoch(sc interface{ Scan(...any) error }, extra ...any) (Epoch, error) {
	var e Epoch
	var v [13]sql.NullFloat64
	dst := []any{&e.Epoch}
	for i := range v {
		dst = append(dst, &v[i])
	}
	dst = append(dst, extra...)
	if err := sc.Scan(dst...); err != nil {
		return e, err
	}
	f := func(i int) float64 {
		if !v[i].Valid {
			return math.NaN()
		}
		return v[i].Float64
	}
	e.TrainLoss, e.TrainTop1, e.ValLoss, e.ValTop1, e.ValTop5 = f(0), f(1), f(2), f(3), f(4)
	e.LR, e.Seconds, e.ImagesPerSec, e.MainLoss, e.AuxLoss = f(5), f(6), f(7), f(8), f(9)
	if v[10].Valid || v[11].Valid || v[12].Valid {
		e.EMA = &EMAVal{Loss: f(10), Top1: f(11), Top5: f(12)}
	}
	return e, nil
}

// nullable stores NaN as NULL, since SQLite has no NaN.
func nullable(f float64) any {
	if math.IsNaN(f) {
		return nil
	}
	return f
}

// optional converts a nullable column to a *float64.
func optional(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}
