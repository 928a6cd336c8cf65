package tracking

import (
	"strings"
	"testing"
)

func TestReproducibilityCaveats(t *testing.T) {
	base := RunSummary{Threads: 2, GitCommit: "0123456789abcdef", GoVersion: "go1.26.0", Host: "lab-1"}
	for _, tc := range []struct {
		name string
		edit func(*RunSummary)
		want []string
	}{
		{"same everything", func(*RunSummary) {}, nil},
		{"threads", func(r *RunSummary) { r.Threads = 1 }, []string{"thread counts differ (2 vs 1): results are bit-identical only for the same thread count"}},
		{"commit", func(r *RunSummary) { r.GitCommit = "fedcba9876543210" }, []string{"builds differ (git 01234567 vs fedcba98)"}},
		{"dirty", func(r *RunSummary) { r.GitDirty = true }, []string{"uncommitted changes"}},
		{"go and host", func(r *RunSummary) { r.GoVersion, r.Host = "go1.27.0", "lab-2" }, []string{"Go versions differ", "hosts differ (lab-1 vs lab-2)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := base
			tc.edit(&b)
			got := ReproducibilityCaveats(base, b)
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
