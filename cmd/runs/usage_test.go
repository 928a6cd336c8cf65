package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestEverySubcommandAnswersHelp: each command in the dispatch table prints its own synopsis and flags
// on -h with exit 0 (a command added without a synopsis fails here).
func TestEverySubcommandAnswersHelp(t *testing.T) {
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			a := &app{stdout: &out, stderr: &errb, now: time.Now}
			code := a.main([]string{name, "-h"})
			if code != 0 || errb.Len() > 0 || !strings.HasPrefix(out.String(), "usage: runs [-db FILE] "+name) {
				t.Errorf("runs %s -h: exit %d, stdout %q, stderr %q", name, code, out.String(), errb.String())
			}
		})
	}
}
