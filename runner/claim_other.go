//go:build !unix

package runner

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked")

// lockFile is a no-op without flock; the database's claim on the trial's RUNNING row still holds.
func lockFile(*os.File) error { return nil }
