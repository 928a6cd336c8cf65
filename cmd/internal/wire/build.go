package wire

import (
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Build is what a run records about the binary and machine that produced it.
type Build struct {
	GitCommit string
	GitDirty  bool
	GoVersion string
	BLAS      string // which matrix-multiply implementation the model uses
	CPUs      int
}

// BuildInfo gathers the build facts, the one way every command does: the commit and whether the tree
// was dirty as the go command stamped them into the binary (debug.ReadBuildInfo: vcs.revision,
// vcs.modified); for a binary built without them (go run, go test) it asks git in the working directory;
// without either both stay empty. BLAS is left to the caller that trains (runner.BLASName), so that
// commands which do not train link no model code.
func BuildInfo() Build {
	b := Build{GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.GitCommit = s.Value
			case "vcs.modified":
				b.GitDirty = s.Value == "true"
			}
		}
	}
	if b.GitCommit != "" {
		return b
	}
	if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		b.GitCommit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
			b.GitDirty = len(strings.TrimSpace(string(st))) > 0
		}
	}
	return b
}

// Commit is the commit with " (dirty)" when the tree had changes, or "" when unknown.
func (b Build) Commit() string {
	if b.GitCommit != "" && b.GitDirty {
		return b.GitCommit + " (dirty)"
	}
	return b.GitCommit
}

// Map returns the facts as key/value pairs (for run params and report headers).
func (b Build) Map() map[string]string {
	m := map[string]string{"go": b.GoVersion, "cpus": strconv.Itoa(b.CPUs)}
	if b.BLAS != "" {
		m["blas"] = b.BLAS
	}
	if c := b.Commit(); c != "" {
		m["commit"] = c
	}
	return m
}
