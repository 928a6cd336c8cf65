package tracking

import (
	"strings"
	"testing"
)

func TestReproducibilityCaveats(t *testing.T) {
	free := map[string]string{DerivedThreadFree: "true"}
	for _, tc := range []struct {
		name string
		edit func(a, b *RunSummary)
		want []string
	}{
		{"same everything", func(_, _ *RunSummary) {}, nil},
		{"threads", func(_, b *RunSummary) { b.Threads = 1 }, []string{"thread counts differ (2 vs 1): results are bit-identical only for the same thread count"}},
		{"threads, only one run thread-independent", func(_, b *RunSummary) { b.Threads, b.Params = 1, free }, []string{"thread counts differ (2 vs 1)"}},
		{"threads, both runs thread-independent", func(a, b *RunSummary) { a.Params, b.Threads, b.Params = free, 1, free }, nil},
		{"threads and commit, both thread-independent", func(a, b *RunSummary) {
			a.Params, b.Threads, b.Params, b.GitCommit = free, 1, free, "fedcba9876543210"
		}, []string{"builds differ"}},
		{"commit", func(_, b *RunSummary) { b.GitCommit = "fedcba9876543210" }, []string{"builds differ (git 01234567 vs fedcba98)"}},
		{"dirty", func(_, b *RunSummary) { b.GitDirty = true }, []string{"uncommitted changes"}},
		{"go and host", func(_, b *RunSummary) { b.GoVersion, b.Host = "go1.27.0", "lab-2" }, []string{"Go versions differ", "hosts differ (lab-1 vs lab-2)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := RunSummary{Threads: 2, GitCommit: "0123456789abcdef", GoVersion: "go1.26.0", Host: "lab-1"}
			b := a
			tc.edit(&a, &b)
			got := ReproducibilityCaveats(a, b)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %d caveats like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("caveat %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
