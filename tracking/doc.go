// Package tracking stores every run and every epoch of every experiment in a
// SQLite database. It is the only package of inceptionlab that speaks SQL, and
// it imports no other inceptionlab package: a run's resolved configuration
// arrives as text plus a hash, and its flattened form as a string map.
//
// # Contract
//
// [Open] checks the file before SQLite touches it, applies the numbered
// migrations embedded from migrations/*.sql (each once, in its own
// transaction, recorded in schema_migrations), and then reaps dead runs:
// a RUNNING run whose process on this host no longer exists becomes FAILED
// with error "process gone", and a RUNNING run whose heartbeat is older than
// [Options.StaleAfter] becomes FAILED with error "heartbeat lost". No run is
// left RUNNING after its process died, so a rerun right after a kill -9 can
// resume at once. A live run (process alive, heartbeat fresh) is never reaped.
//
// The database runs in WAL mode with foreign keys on and a busy timeout; each
// [Store] holds exactly one connection, every write is one IMMEDIATE
// transaction, and so several processes can log into one file concurrently
// without "database is locked" errors and without losing rows. A process that
// is killed loses at most the epoch it was writing: every epoch that
// [Run.LogEpoch] returned nil for is on disk.
//
// A trial (experiment, trial name, config hash) has at most one RUNNING run:
// [Store.StartRun] claims it inside the transaction that inserts the run
// (a unique index), and fails with [ErrClaimed] naming the holder. A run
// started with RunInfo.ResumedFrom takes over the artifacts of the run it
// continues, and [Store.Delete] hands back only files no other run records.
// A ReadOnly store cannot reap; it shows runs the reaper would mark dead as
// FAILED with the reaper's reason.
//
// A run's status changes exactly once, from RUNNING to FINISHED, FAILED or
// KILLED. [Run.Execute] wraps a run's body so that an error or a panic marks
// the run FAILED with the error text, a cancellation (for example by
// signal.NotifyContext on SIGINT or SIGTERM) marks it KILLED, and only a nil
// result marks it FINISHED.
//
// # Per-example evidence
//
// [Run.SetEvaluation] stores what the best checkpoint said about a split:
// one row per example (true class, predicted class, probability of the true
// class, top-5), the confusion matrix as nonzero cells, and PNG thumbnails of
// some examples; [Run.SetClasses] stores the class names. One row per example
// rather than one blob per run: a run's 1,000-10,000 rows are tens of KB,
// and SQL can join two runs on (split, example) for a paired test or group
// by class without decoding anything. [Store.Predictions], [Store.Confusion],
// [Store.Classes] and [Store.Thumbnails] read them back; [Store.ExportEvaluation]
// writes them as CSV or JSON; [Store.Merge] carries them.
//
// # Errors
//
// Every error is prefixed "tracking: " and can be matched with errors.Is
// against the sentinels in this package: [ErrNotSQLite], [ErrNotRunStore],
// [ErrSchemaTooNew], [ErrSchemaTooOld], [ErrReadOnly], [ErrNotExist],
// [ErrCorrupt], [ErrNotFound], [ErrAmbiguous], [ErrNotRunning], [ErrClaimed],
// [ErrDuplicateEpoch], [ErrInvalid], [ErrPanicked] and [ErrUnknownParam]. A database that is
// not SQLite, has a newer schema than this binary knows, is corrupt, or lies
// on a read-only path is reported without modifying the file.
package tracking
