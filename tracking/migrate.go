package tracking

import (
	"context"
	"embed"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles holds the schema, one numbered file per step
// (NNNN_name.sql). A file, once released, is never edited: changes go into a
// new file with the next number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations is the parsed, version-ordered list, checked at init so a
// misnamed file fails every test rather than a user's run.
var migrations = mustLoadMigrations(migrationFiles)

func mustLoadMigrations(fsys fs.FS) []migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic(err)
	}
	return ms
}

// loadMigrations parses migrations/NNNN_name.sql files; versions must run
// 1, 2, 3, ... without gaps or duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, errorf("migrations: %w", err)
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, errorf("migration file %s: %w: want NNNN_name.sql with NNNN >= 1", name, ErrInvalid)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, errorf("migration file %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, errorf("migration file %s: %w: version %d, want %d (no gaps or duplicates)",
				m.name, ErrInvalid, m.version, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, errorf("migrations: %w: no migrations/*.sql files embedded", ErrInvalid)
	}
	return ms, nil
}

// latestVersion is the schema version this binary produces.
func latestVersion() int { return len(migrations) }

// migrate applies every migration not yet recorded, each in its own
// IMMEDIATE transaction. Concurrent openers serialise on the write lock and
// re-check inside it, so each migration runs exactly once.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_ms INTEGER NOT NULL)`); err != nil {
		return classify(s.path, err)
	}
	for _, m := range migrations {
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(s.path, err)
	}
	defer tx.Rollback()
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return classify(s.path, err)
	}
	if current > latestVersion() {
		return errorf("%s has schema version %d but this binary knows versions up to %d; use a newer inceptionlab: %w",
			s.path, current, latestVersion(), ErrSchemaTooNew)
	}
	if current >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return errorf("%s: migration %s: %w", s.path, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)`,
		m.version, m.name, s.now().UnixMilli()); err != nil {
		return errorf("%s: record migration %s: %w", s.path, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return classify(s.path, err)
	}
	return nil
}

// checkVersion verifies, for a read-only store, that the schema is exactly
// the one this binary knows.
func (s *Store) checkVersion(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return classify(s.path, err)
	}
	v := 0
	if n > 0 {
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
			return classify(s.path, err)
		}
	}
	switch {
	case v > latestVersion():
		return errorf("%s has schema version %d but this binary knows versions up to %d; use a newer inceptionlab: %w",
			s.path, v, latestVersion(), ErrSchemaTooNew)
	case v < latestVersion():
		return errorf("%s has %s, this binary needs schema version %d; open it once without ReadOnly to migrate: %w",
			s.path, describeVersion(v), latestVersion(), ErrSchemaTooOld)
	}
	return nil
}

// SchemaVersion reports the schema version recorded in the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, errorf("%s: schema version: %w", s.path, err)
	}
	return v, nil
}
