package tracking

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
)

// MergeStats counts what one [Store.Merge] added or changed.
type MergeStats struct {
	RunsAdded, RunsUpdated, EpochsAdded, ArtifactsAdded, TagsAdded int
}

// mergeTables are copied row by row, parents first. Rows already present
// (same primary key) are kept as they are, which makes a merge idempotent.
var mergeTables = []struct{ name, columns string }{
	{"experiments", "name, created_ms"},
	{"runs", "id, experiment, trial, status, config_text, config_hash, seed, start_ms, end_ms, heartbeat_ms, error, " +
		"git_commit, git_dirty, go_version, host, pid, threads, resumed_from, epochs, best_epoch, best_val_top1, " +
		"best_val_top5, test_loss, test_top1, test_top5"},
	{"params", "run_id, key, value"},
	{"epochs", "run_id, epoch, train_loss, train_top1, val_loss, val_top1, val_top5, lr, seconds, images_per_sec, " +
		"main_loss, aux_loss, logged_ms, ema_val_loss, ema_val_top1, ema_val_top5"},
	{"artifacts", "run_id, kind, path, sha256, size, created_ms"},
	{"tags", "run_id, key, value"},
	{"classes", "run_id, idx, name"},
	{"predictions", "run_id, split, example, label, pred, p_true, top5"},
	{"confusion", "run_id, split, label, pred, n"},
	{"thumbnails", "run_id, split, example, png"},
}

// Merge folds the shard database at shardPath into s, in one transaction:
// either everything new in the shard arrives or nothing does. Run ids are
// preserved. Rows already in s are kept, except that a run present in both
// takes the shard's row when the shard saw it later (a newer heartbeat, for
// example the shard finished a run s saw RUNNING). Merging the same shard
// twice adds nothing. The shard is opened read-only and must be a run store
// of exactly this binary's schema version; a corrupt file, a non-SQLite
// file or a newer schema is rejected before anything is written.
func (s *Store) Merge(ctx context.Context, shardPath string) (MergeStats, error) {
	var st MergeStats
	if err := s.writable(); err != nil {
		return st, err
	}
	if s.path != ":memory:" {
		a, errA := os.Stat(s.path)
		b, errB := os.Stat(shardPath)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return st, errorf("merge %s: %w: it is the database being merged into", shardPath, ErrInvalid)
		}
	}
	shard, err := Open(shardPath, Options{ReadOnly: true, Now: s.now})
	if err != nil {
		return st, err // names the shard and what is wrong with it
	}
	defer shard.Close()
	var check string
	if err := shard.db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil {
		return st, classify(shardPath, err)
	}
	if check != "ok" {
		return st, errorf("%s: %w: %s", shardPath, ErrCorrupt, check)
	}
	data := map[string][][]any{}
	for _, t := range mergeTables {
		rows, err := readAll(ctx, shard.db, t.name, t.columns)
		if err != nil {
			return st, errorf("%s: read %s: %w", shardPath, t.name, err)
		}
		data[t.name] = rows
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		// Runs may reference (resumed_from) runs inserted later in this
		// transaction; check foreign keys at commit.
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		if err := checkMergeClaims(ctx, tx, shardPath, data["runs"]); err != nil {
			return err
		}
		for _, t := range mergeTables {
			n := strings.Count(t.columns, ",") + 1
			insert := `INSERT OR IGNORE INTO ` + t.name + ` (` + t.columns + `) VALUES (?` + strings.Repeat(", ?", n-1) + `)`
			for _, row := range data[t.name] {
				res, err := tx.ExecContext(ctx, insert, row...)
				if err != nil {
					return err
				}
				added, _ := res.RowsAffected()
				switch t.name {
				case "runs":
					st.RunsAdded += int(added)
					if added == 0 {
						updated, err := updateRun(ctx, tx, t.columns, row)
						if err != nil {
							return err
						}
						st.RunsUpdated += updated
					}
				case "epochs":
					st.EpochsAdded += int(added)
				case "artifacts":
					st.ArtifactsAdded += int(added)
				case "tags":
					st.TagsAdded += int(added)
				}
			}
		}
		// Epoch counts and best epochs follow the merged epochs.
		_, err := tx.ExecContext(ctx, `UPDATE runs SET
			epochs = (SELECT count(*) FROM epochs e WHERE e.run_id = runs.id),
			best_epoch = (SELECT epoch FROM epochs e WHERE e.run_id = runs.id AND `+keptTop1SQL+` IS NOT NULL
				ORDER BY `+keptTop1SQL+` DESC, epoch LIMIT 1),
			best_val_top1 = (SELECT `+keptTop1SQL+` FROM epochs e WHERE e.run_id = runs.id AND `+keptTop1SQL+` IS NOT NULL
				ORDER BY `+keptTop1SQL+` DESC, epoch LIMIT 1),
			best_val_top5 = (SELECT `+keptTop5SQL+` FROM epochs e WHERE e.run_id = runs.id AND `+keptTop1SQL+` IS NOT NULL
				ORDER BY `+keptTop1SQL+` DESC, epoch LIMIT 1)
			WHERE id IN (SELECT DISTINCT run_id FROM epochs) AND epochs <> (SELECT count(*) FROM epochs e WHERE e.run_id = runs.id)`)
		return err
	})
	if err != nil {
		return MergeStats{}, s.wrap("merge "+shardPath, err)
	}
	return st, nil
}

// updateRun replaces an existing run's row with the shard's row when the
// shard's heartbeat is newer. row is in the column order of columns, which
// starts with id and has heartbeat_ms.
func updateRun(ctx context.Context, tx *sql.Tx, columns string, row []any) (int, error) {
	cols := strings.Split(columns, ", ")
	var sets []string
	var args []any
	var hb any
	for i, c := range cols {
		if c == "heartbeat_ms" {
			hb = row[i]
		}
		if c == "id" {
			continue
		}
		sets = append(sets, c+" = ?")
		args = append(args, row[i])
	}
	args = append(args, row[0], hb)
	res, err := tx.ExecContext(ctx, `UPDATE runs SET `+strings.Join(sets, ", ")+` WHERE id = ? AND heartbeat_ms < ?`, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// readAll reads every row of a table as driver values.
func readAll(ctx context.Context, db *sql.DB, table, columns string) ([][]any, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+columns+` FROM `+table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	n := strings.Count(columns, ",") + 1
	var out [][]any
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// checkMergeClaims refuses a merge that would give one trial two RUNNING
// runs (the claim of migration 0003): a shard run that is RUNNING while
// another run of the same experiment, trial and config hash is RUNNING here.
// Without the check the insert would be skipped silently by OR IGNORE and
// the commit fail on its orphaned epochs.
func checkMergeClaims(ctx context.Context, tx *sql.Tx, shardPath string, runs [][]any) error {
	for _, row := range runs { // id, experiment, trial, status, config_text, config_hash, ...
		if status, _ := row[3].(string); status != string(Running) {
			continue
		}
		var other string
		err := tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE status = 'RUNNING' AND experiment = ? AND trial = ?
			AND config_hash = ? AND id <> ?`, row[1], row[2], row[5], row[0]).Scan(&other)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		return errorf("merge %s: %w: its run %v of %v/%v is RUNNING, and so is run %s here; let one end (or be reaped by opening its database) and merge again",
			shardPath, ErrClaimed, row[0], row[1], row[2], other)
	}
	return nil
}
