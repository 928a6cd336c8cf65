// Package cli makes the commands behave alike: -h prints the command's own usage to stdout and exits 0;
// a flag error is one line on stderr ending in a pointer to -h, exit 2; errors print once with the
// command's prefix (never "runner: runner: ..."), folded onto one line. It also says whether output
// goes to a terminal.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// ExitUsage is the exit status of a usage error (bad flags or arguments).
const ExitUsage = 2

// NewFlagSet returns a ContinueOnError flag set for command name (e.g. "runs list") whose usage is the
// synopsis (one or more lines, without a trailing newline) followed by the flag list.
func NewFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: %s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// Parse parses args. On -h (or -help) it prints the usage to stdout and returns (0, false); on a flag
// error it prints one line and the -h hint to stderr and returns (ExitUsage, false). Otherwise it returns
// (0, true) and the caller goes on.
func Parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard) // the flag package would print the whole usage after every error
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return 0, false
	case err != nil:
		return UsageError(stderr, fs.Name(), err), false
	}
	fs.SetOutput(stderr)
	return 0, true
}

// UsageError prints a usage problem found after parsing (a missing or conflicting flag) like a flag
// error and returns ExitUsage.
func UsageError(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "%s: %s (run '%s -h' for usage)\n", name, oneLine(err.Error()), name)
	return ExitUsage
}

// Fail prints err as one line prefixed by the command's name (the first word of name, so "runs list"
// prints "runs: ..."), not doubling a prefix the error already carries, and returns code.
func Fail(stderr io.Writer, name string, code int, err error) int {
	fmt.Fprintln(stderr, Message(name, err))
	return code
}

// Message is the one-line form of err that Fail prints.
func Message(name string, err error) string {
	prog, _, _ := strings.Cut(name, " ")
	msg := oneLine(err.Error())
	if strings.HasPrefix(msg, prog+": ") {
		return msg
	}
	return prog + ": " + msg
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "; ") }

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
