package main

import (
	"bytes"
	"strings"
	"testing"
)

// Issue 15 case 5: params never prints negative (overflowed) counts; an unbuildable width is an error.
func TestHugeWidthIsAnErrorNotNegativeCounts(t *testing.T) {
	for _, w := range []string{"1e9", "1e15"} {
		t.Run(w, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run([]string{"-config", "../../configs/smoke.yaml", "-set", "model.width=" + w}, &out, &errb)
			if code == 0 || strings.Contains(out.String(), "-") && strings.Contains(out.String(), ",") ||
				!strings.Contains(errb.String(), "at most 32768 channels per layer") {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
			}
		})
	}
}
