package tracking

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of these (match
// with errors.Is) and name the file, run, key or value involved.
var (
	// ErrNotSQLite: the file exists but does not start with the SQLite header.
	ErrNotSQLite = errors.New("not a SQLite database")
	// ErrNotRunStore: a SQLite database that holds other tables but no
	// inceptionlab schema; it is left alone rather than mixed with ours.
	ErrNotRunStore = errors.New("not an inceptionlab run store")
	// ErrSchemaTooNew: the database was migrated by a newer binary.
	ErrSchemaTooNew = errors.New("schema is newer than this binary")
	// ErrSchemaTooOld: a read-only open of a database that still needs migrations.
	ErrSchemaTooOld = errors.New("schema needs migration")
	// ErrReadOnly: a writable open of a file or directory that cannot be written.
	ErrReadOnly = errors.New("read-only")
	// ErrNotExist: a read-only open (or a merge) of a file that does not exist.
	ErrNotExist = errors.New("does not exist")
	// ErrCorrupt: SQLite reports the file as malformed.
	ErrCorrupt = errors.New("database is corrupt")
	// ErrNotFound: no run matches an id or id prefix.
	ErrNotFound = errors.New("run not found")
	// ErrAmbiguous: an id prefix matches more than one run.
	ErrAmbiguous = errors.New("ambiguous run id prefix")
	// ErrNotRunning: a write to a run that already ended (or was reaped).
	ErrNotRunning = errors.New("run is not running")
	// ErrClaimed: StartRun of a trial (experiment, trial, config hash)
	// that already has a RUNNING run; the error names that run.
	ErrClaimed = errors.New("trial is already claimed by a RUNNING run")
	// ErrDuplicateEpoch: an epoch number logged twice for one run.
	ErrDuplicateEpoch = errors.New("epoch already logged")
	// ErrInvalid: an argument is outside its valid range.
	ErrInvalid = errors.New("invalid argument")
	// ErrPanicked: the body passed to Run.Execute panicked.
	ErrPanicked = errors.New("run panicked")
	// ErrUnknownParam: a filter names a parameter key no run has.
	ErrUnknownParam = errors.New("unknown parameter")
)

// errorf builds an error prefixed with the package name. Use %w for the
// sentinel and any underlying cause.
func errorf(format string, args ...any) error {
	return fmt.Errorf("tracking: "+format, args...)
}

// invalid reports a bad argument: field names what was wrong, want what is valid.
func invalid(field string, got any, want string) error {
	return errorf("%s: %w: got %q, want %s", field, ErrInvalid, fmt.Sprint(got), want)
}
