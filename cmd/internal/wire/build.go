package wire

import (
	"os/exec"
	"runtime"
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

// BuildInfo asks git (when the working directory is a checkout) for the commit and whether the tree is
// dirty; without git both stay empty. BLAS is left to the caller that trains (runner.BLASName), so that
// commands which do not train link no model code.
func BuildInfo() Build {
	b := Build{GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		b.GitCommit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
			b.GitDirty = len(strings.TrimSpace(string(st))) > 0
		}
	}
	return b
}

// Map returns the facts as key/value pairs (for run params and report headers).
func (b Build) Map() map[string]string {
	m := map[string]string{"go": b.GoVersion, "cpus": strconv.Itoa(b.CPUs)}
	if b.BLAS != "" {
		m["blas"] = b.BLAS
	}
	if b.GitCommit != "" {
		m["commit"] = b.GitCommit
		if b.GitDirty {
			m["commit"] += " (dirty)"
		}
	}
	return m
}
