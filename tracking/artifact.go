package tracking

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Artifact kinds the runner and reports record. Any non-empty kind is
// accepted; these are the conventional ones.
const (
	KindCheckpointBest = "checkpoint-best"
	KindCheckpointLast = "checkpoint-last"
	KindClassIndices   = "class-indices"
	KindReport         = "report"
)

// Artifact is a file produced by a run, identified by kind and absolute path.
type Artifact struct {
	RunID   string
	Kind    string
	Path    string
	SHA256  string
	Size    int64
	Created time.Time
}

// AddArtifact records a file of the run, hashing its content now. Recording
// the same kind and path again replaces the entry (a checkpoint rewritten
// each epoch stays one row with the latest hash).
func (r *Run) AddArtifact(ctx context.Context, kind, path string) error {
	return r.store.AddArtifact(ctx, r.ID, kind, path)
}

// AddArtifact records a file for any run, including one that has ended (a
// report rendered later). runID may be an unambiguous prefix.
func (s *Store) AddArtifact(ctx context.Context, runID, kind, path string) error {
	if err := s.writable(); err != nil {
		return err
	}
	if strings.TrimSpace(kind) == "" {
		return invalid("artifact kind", kind, "a non-empty kind such as "+KindCheckpointBest)
	}
	if path == "" {
		return invalid("artifact path", path, "the path of an existing file")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return errorf("artifact %s: %w", path, err)
	}
	sum, size, err := hashFile(abs)
	if err != nil {
		return errorf("artifact %s: %w", path, err)
	}
	id, err := s.resolve(ctx, runID)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO artifacts (run_id, kind, path, sha256, size, created_ms)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (run_id, kind, path) DO UPDATE SET
				sha256 = excluded.sha256, size = excluded.size, created_ms = excluded.created_ms`,
			id, kind, abs, sum, size, ms(s.now()))
		return err
	})
	return s.wrap("artifact of run "+id, err)
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	if !info.Mode().IsRegular() {
		return "", 0, invalid("artifact path", path, "a regular file")
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Artifacts lists a run's artifacts ordered by kind and path.
func (s *Store) Artifacts(ctx context.Context, runID string) ([]Artifact, error) {
	id, err := s.resolve(ctx, runID)
	if err != nil {
		return nil, err
	}
	return s.artifacts(ctx, id)
}

func (s *Store) artifacts(ctx context.Context, id string) ([]Artifact, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, kind, path, sha256, size, created_ms FROM artifacts
		WHERE run_id = ? ORDER BY kind, path`, id)
	if err != nil {
		return nil, s.wrap("artifacts of run "+id, err)
	}
	defer rows.Close()
	var out []Artifact
	for rows.Next() {
		var a Artifact
		var created int64
		if err := rows.Scan(&a.RunID, &a.Kind, &a.Path, &a.SHA256, &a.Size, &created); err != nil {
			return nil, s.wrap("artifacts of run "+id, err)
		}
		a.Created = fromMS(created)
		out = append(out, a)
	}
	return out, s.wrap("artifacts of run "+id, rows.Err())
}
