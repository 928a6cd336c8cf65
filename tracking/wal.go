package tracking

import (
	"database/sql"
	"errors"
	"time"

	"github.com/mattn/go-sqlite3"
)

// walDriver is go-sqlite3 with a connect hook that switches the journal to
// WAL itself instead of through the DSN's _journal_mode.
//
// While one connection creates a new database file and switches it to WAL,
// another connection's switch of the same file can fail with SQLITE_BUSY at
// once: SQLite does not call the busy handler there, so the busy timeout does
// not help. go-sqlite3 then fails the connection, and Open failed with
// "database is locked" when sweep processes created a store together
// (TestOpenCreateRace). The hook retries the switch until busyTimeout.
const walDriver = "sqlite3-inceptionlab-wal"

func init() {
	sql.Register(walDriver, &sqlite3.SQLiteDriver{ConnectHook: switchToWAL})
}

func switchToWAL(c *sqlite3.SQLiteConn) error {
	deadline := time.Now().Add(busyTimeout)
	wait := time.Millisecond
	for {
		_, err := c.Exec("PRAGMA journal_mode=WAL", nil)
		var se sqlite3.Error
		if err == nil || !errors.As(err, &se) || se.Code != sqlite3.ErrBusy || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
}
