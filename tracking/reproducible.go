package tracking

import "fmt"

// ReproducibilityCaveats lists why two runs of the same config need not agree bit for bit, for a run
// comparison (runs diff) to show beside their numbers. Training is deterministic for a given thread
// count: two runs of the same command on the same build give identical numbers, but the thread count
// fixes how per-sample gradients are partitioned and summed (see model/internal/ops), so runs with
// different -threads / train.threads differ from the first epoch (loss differences grow to ~1e-3 by
// epoch 3). A different build (git commit, uncommitted changes, Go version) or host (which matrix
// multiply kernel the CPU gets) can change the numbers too. nil means none of these differ: the runs'
// numbers should be equal if their configs (config hashes) are.
func ReproducibilityCaveats(a, b RunSummary) []string {
	var out []string
	if a.Threads != b.Threads {
		out = append(out, fmt.Sprintf("thread counts differ (%d vs %d): results are bit-identical only for the same thread count", a.Threads, b.Threads))
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
