package tracking

import "fmt"

// ReproducibilityCaveats lists why two runs of the same config need not agree bit for bit, for a run
// comparison (runs diff) to show beside their numbers. Two runs of the same command on the same build
// give identical numbers. Their thread counts matter only where a run does not record
// derived.thread_independent=true: builds before 2026-12-02 partitioned some gradient sums by core
// (runs with -threads 1 and 2 then differed from the first epoch, loss differences growing to ~1e-3
// by epoch 3), and OpenBLAS and gonum promise no fixed order. A different build (git commit,
// uncommitted changes, Go version) or host (which matrix multiply kernel the CPU gets) can change the
// numbers too. nil means none of these differ: the runs' numbers should be equal if their configs
// (config hashes) are.
func ReproducibilityCaveats(a, b RunSummary) []string {
	var out []string
	if a.Threads != b.Threads && !(threadFree(a) && threadFree(b)) {
		out = append(out, fmt.Sprintf("thread counts differ (%d vs %d): results are bit-identical only for the same thread count unless both runs record %s=true", a.Threads, b.Threads, DerivedThreadFree))
	}
	if a.GitCommit != b.GitCommit {
		out = append(out, fmt.Sprintf("builds differ (git %s vs %s)", short(a.GitCommit), short(b.GitCommit)))
	} else if a.GitDirty || b.GitDirty {
		out = append(out, "a build had uncommitted changes (git dirty)")
	}
	if a.GoVersion != b.GoVersion {
		out = append(out, fmt.Sprintf("Go versions differ (%s vs %s)", a.GoVersion, b.GoVersion))
	}
	if a.Host != b.Host {
		out = append(out, fmt.Sprintf("hosts differ (%s vs %s): the CPU decides the matrix-multiply kernel", a.Host, b.Host))
	}
	return out
}

func short(commit string) string {
	if commit == "" {
		return "unknown"
	}
	return commit[:min(len(commit), 8)]
}

// threadFree reports whether r recorded that its numbers do not depend on its thread count.
func threadFree(r RunSummary) bool { return r.Params[DerivedThreadFree] == "true" }
