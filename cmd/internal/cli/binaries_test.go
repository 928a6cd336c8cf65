package cli

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinariesBehaveAlike builds every user binary and checks, as a user at a shell would see it, that
// -h prints the command's own usage to stdout with exit 0 and that a bad flag prints one line naming it
// and pointing to -h, with exit 2. It builds with the go command, so it skips under -short.
func TestBinariesBehaveAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator),
		"inceptionlab/cmd/runner", "inceptionlab/cmd/runs", "inceptionlab/cmd/report", "inceptionlab/cmd/params", "inceptionlab/cmd/predict",
		"inceptionlab/cmd/internal/tools/mkembed", "inceptionlab/cmd/internal/tools/benchcmp")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	commands := [][]string{{"runner"}, {"report"}, {"params"}, {"predict"}, {"mkembed"}, {"benchcmp"}, {"runs"},
		{"runs", "list"}, {"runs", "show"}, {"runs", "diff"}, {"runs", "export"}, {"runs", "tag"}, {"runs", "delete"}, {"runs", "merge"}}
	for _, cmd := range commands {
		name := strings.Join(cmd, " ")
		t.Run(name+" -h", func(t *testing.T) {
			code, stdout, stderr := runBinary(t, bin, append(cmd, "-h")...)
			if code != 0 || stderr != "" {
				t.Errorf("exit %d, stderr %q; want exit 0 and nothing on stderr", code, stderr)
			}
			if want := "usage: " + cmd[0]; !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, "-db") && cmd[0] == "runs" {
				t.Errorf("stdout does not start with %q (and list the flags):\n%s", want, stdout)
			}
			if len(cmd) == 2 && !strings.Contains(stdout, " "+cmd[1]) {
				t.Errorf("runs %s -h prints another command's usage:\n%s", cmd[1], stdout)
			}
		})
		t.Run(name+" -bogus", func(t *testing.T) {
			code, stdout, stderr := runBinary(t, bin, append(cmd, "-bogus")...)
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if code != ExitUsage || stdout != "" || len(lines) != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line on stderr", code, stdout, stderr)
			}
			if want := "-h' for usage)"; !strings.Contains(stderr, "flag provided but not defined: -bogus") || !strings.HasSuffix(lines[0], want) {
				t.Errorf("stderr %q does not name the flag and point to -h", stderr)
			}
			if prog := cmd[0] + ": "; !strings.HasPrefix(stderr, prog) || strings.HasPrefix(stderr, prog+prog) {
				t.Errorf("stderr %q: want one %q prefix", stderr, prog)
			}
		})
	}
}

func runBinary(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, args[0]), args[1:]...)
	cmd.Dir = t.TempDir() // no runs/ folder: nothing may be created or read by -h or a flag error
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}
