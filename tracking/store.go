package tracking

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/mattn/go-sqlite3"
)

// DefaultStaleAfter is how old a RUNNING run's heartbeat may get before
// [Open] marks it FAILED with "heartbeat lost".
const DefaultStaleAfter = 2 * time.Minute

// DefaultHeartbeatEvery is a heartbeat interval comfortably inside
// DefaultStaleAfter, for [Run.StartHeartbeat].
const DefaultHeartbeatEvery = 30 * time.Second

// busyTimeout is how long a write waits for another process's transaction
// before failing. Epoch transactions take milliseconds, so reaching it means
// a writer is stuck, not merely busy.
const busyTimeout = 30 * time.Second

// Options tune [Open]. The zero value is a writable store on the real clock.
type Options struct {
	// Now is the clock for start, end, heartbeat and log times (default time.Now).
	Now func() time.Time
	// StaleAfter is the heartbeat age at which a RUNNING run is reaped
	// (default DefaultStaleAfter).
	StaleAfter time.Duration
	// ReadOnly opens an existing, fully migrated database without writing to
	// it: no migrations, no reaping, and every write method fails. Runs that
	// the reaper would mark dead are shown FAILED with its reason. On a
	// read-only folder or mount without -wal/-shm files (no writer can be
	// active) the file is opened immutable, creating nothing beside it.
	ReadOnly bool
	// NewID generates run ids (default: a random version 4 UUID). Tests set
	// it to get stable output.
	NewID func() string
	// Fault, when set, is called at named points inside write transactions
	// (FaultEpochTransaction: the epoch's rows are written, the commit is
	// next), so crash tests can kill the process there. nil in production.
	Fault func(point string)
}

// FaultEpochTransaction is the Options.Fault point inside LogEpoch's
// transaction, before its commit.
const FaultEpochTransaction = "epoch.transaction"

// Store is an open run database. Its methods are safe for concurrent use;
// they share one connection, so writes from one process never contend with
// each other and different processes serialise through SQLite's file locks.
type Store struct {
	db         *sql.DB
	path       string
	now        func() time.Time
	staleAfter time.Duration
	readOnly   bool
	host       string
	newID      func() string
	fault      func(point string)
}

// Open opens (creating if needed, unless ReadOnly) the run database at path,
// migrates it and reaps dead runs. path ":memory:" gives a private in-memory
// database, handy in tests.
//
// Before SQLite sees the file, Open rejects, without modifying it, a file
// that is not SQLite ([ErrNotSQLite]), a SQLite file belonging to something
// else ([ErrNotRunStore]), a schema newer than this binary
// ([ErrSchemaTooNew]), a corrupt file ([ErrCorrupt]) and, for a writable
// open, a read-only file or directory ([ErrReadOnly]).
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, invalid("path", path, "a database file name or \":memory:\"")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = uuid.NewString
	}
	if opts.StaleAfter == 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	if opts.StaleAfter < 0 {
		return nil, invalid("Options.StaleAfter", opts.StaleAfter, "a positive duration")
	}
	memory := path == ":memory:"
	if !memory {
		if err := precheck(path, opts.ReadOnly); err != nil {
			return nil, err
		}
	}
	immutable := false
	if opts.ReadOnly && !memory {
		var err error
		if immutable, err = readImmutable(path); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open(driverFor(memory, opts.ReadOnly), dsn(path, memory, opts.ReadOnly, immutable))
	if err != nil {
		return nil, errorf("open %s: %w", path, err)
	}
	// One connection: the single writer of this process. It is never
	// recycled, which also keeps a ":memory:" database alive.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	host, _ := os.Hostname()
	s := &Store{db: db, path: path, now: opts.Now, staleAfter: opts.StaleAfter, readOnly: opts.ReadOnly, host: host,
		newID: opts.NewID, fault: opts.Fault}
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, classify(path, err)
	}
	if opts.ReadOnly {
		err = s.checkVersion(ctx)
	} else {
		err = s.migrate(ctx)
		if err == nil {
			_, err = s.reap(ctx)
		}
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the connection. Runs still RUNNING stay RUNNING until their
// owner finishes them or a later Open reaps them.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return errorf("close %s: %w", s.path, err)
	}
	return nil
}

// Path is the file name the store was opened with.
func (s *Store) Path() string { return s.path }

// dsn builds the go-sqlite3 data source name. File paths go through a file:
// URI so names containing '?' or '#' survive.
func dsn(path string, memory, readOnly, immutable bool) string {
	q := url.Values{}
	if immutable {
		q.Set("immutable", "1")
	}
	q.Set("_busy_timeout", strconv.Itoa(int(busyTimeout/time.Millisecond)))
	q.Set("_foreign_keys", "on")
	if readOnly {
		q.Set("mode", "ro")
		q.Set("_query_only", "on")
	} else {
		q.Set("_txlock", "immediate")
		if !memory {
			// WAL is switched on by walDriver's connect hook.
			// FULL makes each commit durable against power loss as well as
			// process death; writes are per epoch, so the fsync is cheap.
			q.Set("_synchronous", "FULL")
		}
	}
	if memory {
		return ":memory:?" + q.Encode()
	}
	return fileURI(path) + "?" + q.Encode()
}

// driverFor names the database/sql driver for a store: walDriver for a
// writable file, plain go-sqlite3 otherwise.
func driverFor(memory, readOnly bool) string {
	if memory || readOnly {
		return "sqlite3"
	}
	return walDriver
}

// fileURI turns a path into a SQLite file: URI (without query).
func fileURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

// classify maps a SQLite open/query error to this package's sentinels.
func classify(path string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrNotADB:
			return errorf("%s is %w", path, ErrNotSQLite)
		case sqlite3.ErrCorrupt:
			return errorf("%s: %w: %v", path, ErrCorrupt, err)
		case sqlite3.ErrReadonly, sqlite3.ErrPerm:
			return errorf("%s is %w: %v", path, ErrReadOnly, err)
		case sqlite3.ErrCantOpen:
			return errorf("%s cannot be opened: %w", path, err)
		}
	}
	return errorf("%s: %w", path, err)
}
