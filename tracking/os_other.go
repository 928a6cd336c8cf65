//go:build !unix

package tracking

// processAlive cannot check processes on this platform, so only stale
// heartbeats reap runs here.
func processAlive(pid int) bool { return true }

// canWrite has no portable check here; the permission bits checked by the
// caller and SQLite's own errors remain.
func canWrite(path string, dir bool) error { return nil }
