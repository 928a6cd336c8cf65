package tracking

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// sqliteHeader is the first 16 bytes of every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// precheck inspects path before a read-write SQLite connection (which
// switches the journal to WAL) can touch it. It never writes.
func precheck(path string, readOnly bool) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if readOnly {
			return errorf("%s %w", path, ErrNotExist)
		}
		return checkNewFileDir(path)
	case err != nil:
		return errorf("%s: %w", path, err)
	case info.IsDir():
		return errorf("%s is a directory, want a database file: %w", path, ErrInvalid)
	}
	empty, err := checkHeader(path)
	if err != nil {
		return err
	}
	if !readOnly {
		if err := checkWritable(path, info); err != nil {
			return err
		}
		if err := checkWritableDir(path); err != nil {
			return err
		}
	}
	if empty {
		return nil
	}
	version, err := inspectSchema(path)
	if err != nil {
		return err
	}
	if version > latestVersion() {
		return errorf("%s has schema version %d but this binary knows versions up to %d; use a newer inceptionlab: %w",
			path, version, latestVersion(), ErrSchemaTooNew)
	}
	return nil
}

// checkHeader reports whether the file is empty (SQLite treats an empty file
// as an empty database) and fails with ErrNotSQLite if it has any other
// content than a SQLite database.
func checkHeader(path string) (empty bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, errorf("%s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, 100) // the SQLite file header is 100 bytes
	n, err := io.ReadFull(f, buf)
	if n == 0 && (err == io.EOF) {
		return true, nil
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return false, errorf("%s: %w", path, err)
	}
	if n < len(buf) || !bytes.Equal(buf[:len(sqliteHeader)], sqliteHeader) {
		return false, errorf("%s is %w", path, ErrNotSQLite)
	}
	return false, nil
}

// checkNewFileDir verifies that a database file could be created at path.
func checkNewFileDir(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return errorf("directory %s for %s %w", dir, path, ErrNotExist)
	}
	if err != nil {
		return errorf("%s: %w", path, err)
	}
	if !info.IsDir() {
		return errorf("%s: %s is not a directory: %w", path, dir, ErrInvalid)
	}
	return checkWritableDir(path)
}

// checkWritable fails with ErrReadOnly if the file cannot be written. The
// permission bits are honoured even for root, so that a file deliberately
// made read-only (chmod a-w) is never modified.
func checkWritable(path string, info fs.FileInfo) error {
	if info.Mode().Perm()&0o222 == 0 {
		return errorf("%s is %w (mode %v); open it read-only to inspect it", path, ErrReadOnly, info.Mode().Perm())
	}
	if err := canWrite(path, false); err != nil {
		return errorf("%s is %w: %v", path, ErrReadOnly, err)
	}
	return nil
}

// checkWritableDir fails with ErrReadOnly if the directory holding path does
// not allow creating files: WAL mode needs the -wal and -shm files beside
// the database.
func checkWritableDir(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	if err != nil {
		return errorf("%s: %w", path, err)
	}
	if info.Mode().Perm()&0o222 == 0 {
		return errorf("%s: directory %s is %w (mode %v); SQLite needs to create %s-wal beside it",
			path, dir, ErrReadOnly, info.Mode(), filepath.Base(path))
	}
	if err := canWrite(dir, true); err != nil {
		return errorf("%s: directory %s is %w: %v", path, dir, ErrReadOnly, err)
	}
	return nil
}

// inspectSchema reads the schema version through a read-only connection
// (no journal-mode change, no migrations), returning 0 for a database
// without tables.
func inspectSchema(path string) (int, error) {
	// Without -wal and -shm beside it no WAL writer is active, so the file
	// is read as immutable: SQLite then creates no companion files, and a
	// refused database is left exactly as it was.
	before, _ := os.Stat(path)
	immutable := !companionsExist(path)
	v, err := inspectSchemaOnce(path, immutable)
	if immutable && errors.Is(err, ErrCorrupt) {
		// An immutable read ignores locks: a file another process started
		// creating after the check above (its first transaction, its switch
		// to WAL) can read as malformed. TestOpenCreateRace failed that way
		// about once in 1,200 opens on a loaded machine. When a writer
		// appeared or the file changed meanwhile, read it again the ordinary
		// way, which waits for the writer's lock.
		after, _ := os.Stat(path)
		if companionsExist(path) || changed(before, after) {
			v, err = inspectSchemaOnce(path, false)
		}
	}
	return v, err
}

// changed reports whether a file's size or modification time differs
// between two Stat results (either missing counts as a change).
func changed(a, b os.FileInfo) bool {
	return a == nil || b == nil || a.Size() != b.Size() || !a.ModTime().Equal(b.ModTime())
}

func inspectSchemaOnce(path string, immutable bool) (int, error) {
	q := "?mode=ro&_query_only=on&_busy_timeout=30000"
	if immutable {
		q += "&immutable=1"
	}
	db, err := sql.Open("sqlite3", fileURI(path)+q)
	if err != nil {
		return 0, errorf("open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	var tables, ours int
	err = db.QueryRowContext(ctx, `SELECT count(*), count(CASE WHEN name = 'schema_migrations' THEN 1 END)
		FROM sqlite_master WHERE type = 'table'`).Scan(&tables, &ours)
	if err != nil {
		return 0, classify(path, err)
	}
	if tables == 0 {
		return 0, nil
	}
	if ours == 0 {
		return 0, errorf("%s is a SQLite database with %d tables but no schema_migrations table: %w",
			path, tables, ErrNotRunStore)
	}
	var version int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, classify(path, err)
	}
	return version, nil
}

// describeVersion formats a schema version for messages.
func describeVersion(v int) string {
	if v == 0 {
		return "no schema"
	}
	return fmt.Sprintf("schema version %d", v)
}

// companionsExist reports whether a -wal or -shm file lies beside path.
func companionsExist(path string) bool {
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(path + suffix); err == nil {
			return true
		}
	}
	return false
}

// readImmutable decides, for a read-only open, whether SQLite must treat the
// file as immutable: when the folder cannot take the -shm file a WAL reader
// needs (a read-only mount or folder) and no writer is active (no -wal or
// -shm file). A -wal file that cannot be read with its -shm holds commits an
// immutable open would miss, so that case is an error saying what to do.
func readImmutable(path string) (bool, error) {
	if checkWritableDir(path) == nil {
		return false, nil
	}
	_, werr := os.Lstat(path + "-wal")
	_, serr := os.Lstat(path + "-shm")
	switch {
	case werr != nil && serr != nil:
		return true, nil
	case werr == nil && serr != nil:
		if info, err := os.Stat(path + "-wal"); err == nil && info.Size() == 0 {
			return true, nil
		}
		return false, errorf("%s: %w: its folder is read-only and %s-wal holds changes not yet in the database, which cannot be read without %s-shm; copy the three files to a writable folder, or open it once where it can be written",
			path, ErrReadOnly, filepath.Base(path), filepath.Base(path))
	}
	return false, nil
}
