package tracking

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestOpenBadFiles(t *testing.T) {
	newerSchema := func(t *testing.T, path string) {
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		mustStart(t, s, info("e", "t"))
		s.Close()
		rawExec(t, path, `INSERT INTO schema_migrations (version, name, applied_ms) VALUES (99, '0099_future.sql', 0)`)
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string)
		opts    Options
		want    error
		wantMsg string // with PATH replaced by the file's path
	}{
		{"text file", func(t *testing.T, p string) { os.WriteFile(p, []byte("not a database\n"), 0o644) },
			Options{}, ErrNotSQLite, "tracking: PATH is not a SQLite database"},
		{"text file read-only open", func(t *testing.T, p string) { os.WriteFile(p, []byte("hello"), 0o644) },
			Options{ReadOnly: true}, ErrNotSQLite, "tracking: PATH is not a SQLite database"},
		{"long binary file", func(t *testing.T, p string) { os.WriteFile(p, bytes.Repeat([]byte{0xde, 0xad}, 4096), 0o644) },
			Options{}, ErrNotSQLite, "tracking: PATH is not a SQLite database"},
		{"newer schema", newerSchema, Options{}, ErrSchemaTooNew,
			"tracking: PATH has schema version 99 but this binary knows versions up to " + strconv.Itoa(latestVersion())},
		{"newer schema read-only open", newerSchema, Options{ReadOnly: true}, ErrSchemaTooNew, "schema version 99"},
		{"foreign sqlite database", func(t *testing.T, p string) { rawExec(t, p, `CREATE TABLE invoices (id INTEGER)`) },
			Options{}, ErrNotRunStore, "tracking: PATH is a SQLite database with 1 tables but no schema_migrations table"},
		{"read-only file", func(t *testing.T, p string) {
			s, err := Open(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			os.Chmod(p, 0o444)
		}, Options{}, ErrReadOnly, "tracking: PATH is read-only (mode -r--r--r--)"},
		{"read-only directory", func(t *testing.T, p string) {
			s, err := Open(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			os.Chmod(filepath.Dir(p), 0o555)
			t.Cleanup(func() { os.Chmod(filepath.Dir(p), 0o755) })
		}, Options{}, ErrReadOnly, "is read-only (mode dr-xr-xr-x); SQLite needs to create runs.db-wal beside it"},
		{"new file in read-only directory", func(t *testing.T, p string) {
			os.Chmod(filepath.Dir(p), 0o555)
			t.Cleanup(func() { os.Chmod(filepath.Dir(p), 0o755) })
		}, Options{}, ErrReadOnly, "is read-only"},
		{"missing file read-only open", func(t *testing.T, p string) {}, Options{ReadOnly: true}, ErrNotExist,
			"tracking: PATH does not exist"},
		{"directory", func(t *testing.T, p string) { os.Mkdir(p, 0o755) }, Options{}, ErrInvalid,
			"tracking: PATH is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempDB(t)
			tt.setup(t, path)
			before, _ := os.ReadFile(path)
			beforeFiles := dirList(t, filepath.Dir(path))
			s, err := Open(path, tt.opts)
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded, want %v", tt.want)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want errors.Is %v", err, tt.want)
			}
			if msg := strings.ReplaceAll(tt.wantMsg, "PATH", path); !strings.Contains(err.Error(), msg) {
				t.Fatalf("err = %q, want it to contain %q", err, msg)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Fatalf("file content changed by a failed Open")
			}
			// Nothing may appear beside a refused file, not even the -wal and
			// -shm companions a read-only WAL connection would create.
			if got := dirList(t, filepath.Dir(path)); got != beforeFiles {
				t.Fatalf("directory changed by a failed Open: %s -> %s", beforeFiles, got)
			}
		})
	}
}

func dirList(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, ",")
}

func TestOpenCorruptFile(t *testing.T) {
	path := tempDB(t)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, s, info("e", "t"))
	s.Close()
	b := readFile(t, path)
	// Keep the 100-byte header, scribble over the schema page.
	for i := 100; i < len(b); i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotSQLite) {
		t.Fatalf("err = %v, want ErrCorrupt or ErrNotSQLite", err)
	}
	if !bytes.Equal(b, readFile(t, path)) {
		t.Fatal("corrupt file was modified")
	}
}

func TestOpenEmptyAndNewFiles(t *testing.T) {
	t.Run("new file is created", func(t *testing.T) {
		path := tempDB(t)
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("empty file is initialised", func(t *testing.T) {
		path := tempDB(t)
		os.WriteFile(path, nil, 0o644)
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if v, _ := s.SchemaVersion(ctx); v != latestVersion() {
			t.Fatalf("version %d, want %d", v, latestVersion())
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		_, err := Open(filepath.Join(t.TempDir(), "nope", "runs.db"), Options{})
		if !errors.Is(err, ErrNotExist) || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("err = %v, want ErrNotExist naming the directory", err)
		}
	})
	t.Run("path with URI characters", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a?b#c %d.db")
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("database not at the literal path: %v", err)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		if _, err := Open("", Options{}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty path: err = %v", err)
		}
		if _, err := Open(":memory:", Options{StaleAfter: -1}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("negative StaleAfter: err = %v", err)
		}
	})
}

func TestReadOnlyStore(t *testing.T) {
	path := tempDB(t)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := mustStart(t, s, info("e", "t"))
	mustLog(t, r, epoch(0, 0.5))
	r.Finish(ctx, Finished, "")
	s.Close()
	os.Chmod(path, 0o444)
	before := readFile(t, path)

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a read-only file: %v", err)
	}
	defer ro.Close()
	got, err := ro.Run(ctx, r.ID)
	if err != nil || got.Status != Finished || got.Epochs != 1 {
		t.Fatalf("Run = %+v, %v", got, err)
	}
	if _, err := ro.StartRun(ctx, info("e", "t2")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("StartRun on read-only store: err = %v, want ErrReadOnly", err)
	}
	if err := ro.Tag(ctx, r.ID, "k", "v"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Tag on read-only store: err = %v, want ErrReadOnly", err)
	}
	if !bytes.Equal(before, readFile(t, path)) {
		t.Fatal("read-only store modified the file")
	}
}

func TestReadOnlyNeedsMigration(t *testing.T) {
	path := tempDB(t)
	rawExec(t, path, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)`)
	_, err := Open(path, Options{ReadOnly: true})
	if !errors.Is(err, ErrSchemaTooOld) {
		t.Fatalf("err = %v, want ErrSchemaTooOld", err)
	}
}
