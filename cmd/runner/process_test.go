package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"inceptionlab/internal/fault"
)

// runnerCommand runs this test binary as the runner command (TestMain calls main when runnerEnv is set),
// for tests that need a real process: signals, SIGKILL.
func runnerCommand(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), runnerEnv+"=1"), env...)
	return cmd
}

// Issue 15 case 7: SIGINT and SIGTERM stay live while the config loads (here a read that never ends).
func TestSignalDuringConfigLoad(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := runnerCommand([]string{fault.EnvVar + "=" + fault.ConfigLoad + "=hang"},
				"-config", smoke, "-db", filepath.Join(dir, "t.db"), "-out", dir)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("%v during loading ignored for 3 s", sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted || !strings.Contains(stderr.String(), "interrupted while loading") {
				t.Fatalf("exit %d, stderr %q; want %d", code, stderr.String(), ExitInterrupted)
			}
		})
	}
}
