//go:build unix

package tracking

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with this id exists on this host.
// Signal 0 checks existence without delivering anything; EPERM means it
// exists but belongs to another user. A zombie (exited, not yet waited for)
// still counts as alive until its parent reaps it.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// canWrite asks the kernel whether this process may write path (and, for a
// directory, create entries in it).
func canWrite(path string, dir bool) error {
	mode := uint32(2) // W_OK
	if dir {
		mode |= 1 // X_OK
	}
	return syscall.Access(path, mode)
}
