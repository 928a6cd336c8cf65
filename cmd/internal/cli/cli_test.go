package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name           string
		args           []string
		code           int
		ok             bool
		stdout, stderr string // substrings; "" = must be empty
	}{
		{"help", []string{"-h"}, 0, false, "usage: demo [-n N]\n\nflags:\n  -n int", ""},
		{"long help", []string{"-help"}, 0, false, "usage: demo", ""},
		{"unknown flag", []string{"-bogus"}, ExitUsage, false, "", "demo: flag provided but not defined: -bogus (run 'demo -h' for usage)\n"},
		{"bad value", []string{"-n", "x"}, ExitUsage, false, "", `demo: invalid value "x" for flag -n`},
		{"fine", []string{"-n", "3"}, 0, true, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := NewFlagSet("demo", "demo [-n N]")
			fs.Int("n", 1, "how many")
			var out, errb bytes.Buffer
			code, ok := Parse(fs, tc.args, &out, &errb)
			if code != tc.code || ok != tc.ok {
				t.Errorf("Parse = %d, %t; want %d, %t", code, ok, tc.code, tc.ok)
			}
			for _, c := range []struct{ got, want, what string }{{out.String(), tc.stdout, "stdout"}, {errb.String(), tc.stderr, "stderr"}} {
				if c.want == "" && c.got != "" || !strings.Contains(c.got, c.want) {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if strings.Count(errb.String(), "\n") > 1 {
				t.Errorf("a flag error prints more than one line:\n%s", errb.String())
			}
		})
	}
}

func TestMessage(t *testing.T) {
	tests := []struct{ name, cmd, err, want string }{
		{"prefixed", "runner", "trial nope: no such trial", "runner: trial nope: no such trial"},
		{"already prefixed", "runner", "runner: trial nope: no such trial", "runner: trial nope: no such trial"},
		{"subcommand", "runs list", "runs: no database", "runs: no database"},
		{"multi-line", "report", "a\nb\n", "report: a; b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Message(tc.cmd, errors.New(tc.err)); got != tc.want {
				t.Errorf("Message = %q, want %q", got, tc.want)
			}
		})
	}
}
