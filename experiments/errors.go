package experiments

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors classifying an [*Error]; test with errors.Is.
var (
	// ErrUnknownKey: a key that is not part of the schema.
	ErrUnknownKey = errors.New("unknown key")
	// ErrType: a value of the wrong YAML type (a string where a number belongs, ...).
	ErrType = errors.New("wrong type")
	// ErrValue: a well-typed value outside what is allowed (lr <= 0, a split of 1.5, ...).
	ErrValue = errors.New("invalid value")
	// ErrSyntax: a file that is not YAML, or an override that is not key=value.
	ErrSyntax = errors.New("syntax error")
)

// Error is one problem with an experiment config.
type Error struct {
	File     string // config file the problem is in; "" when the config did not come from a file
	Override string // the override ("key=value") that caused it; "" when it comes from the file
	Trial    string // the sweep trial being resolved, e.g. `trial 2 "lr=-1"`; "" outside Trials
	Key      string // dotted key path such as "model.inception.blocks[2].ch3x3"; "" for the whole file
	Msg      string // what is wrong and what would be valid
	Err      error  // ErrUnknownKey, ErrType, ErrValue, ErrSyntax or an underlying I/O error
}

// Error formats the problem as "experiments: FILE: KEY: MSG", or
// "experiments: -set OVERRIDE: KEY: MSG" when an override caused it.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("experiments: ")
	switch {
	case e.Override != "":
		b.WriteString("-set " + e.Override + ": ")
	case e.File != "":
		b.WriteString(e.File + ": ")
	}
	if e.Trial != "" {
		b.WriteString(e.Trial + ": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the sentinel or underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errors is a list of problems found together; it is returned when there is more than one.
type Errors []*Error

// Error lists the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// errorList accumulates problems while decoding or validating.
type errorList []*Error

func (l *errorList) add(key string, kind error, format string, args ...any) {
	*l = append(*l, &Error{Key: key, Msg: fmt.Sprintf(format, args...), Err: kind})
}

// err returns nil, the single *Error, or Errors.
func (l errorList) err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return Errors(l)
}

// attribute fills in the source of every problem: the file, or the override that set the key
// (the last override whose path is the key or one of its ancestors or descendants).
func (l errorList) attribute(file string, overrides []Override) {
	for _, e := range l {
		if e.File == "" {
			e.File = file
		}
		if e.Override != "" || e.Key == "" {
			continue
		}
		for i := len(overrides) - 1; i >= 0; i-- {
			if pathRelated(overrides[i].Key, e.Key) {
				e.Override = overrides[i].String()
				break
			}
		}
	}
}

// pathRelated reports whether one dotted path is the other or an ancestor of it.
func pathRelated(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return a == b || (strings.HasPrefix(b, a) && (b[len(a)] == '.' || b[len(a)] == '['))
}

// unknownKeyMsg builds `unknown key "model.inception.reduc" (valid keys under model.inception:
// blocks, pool_proj, reduce)`, plus a suggestion when one valid key is close to the typo.
func unknownKeyMsg(parent, key string, valid []string) string {
	full := key
	where := "at top level"
	if parent != "" {
		full = parent + "." + key
		where = "under " + parent
	}
	sorted := append([]string(nil), valid...)
	sort.Strings(sorted)
	msg := fmt.Sprintf("unknown key %q (valid keys %s: %s)", full, where, strings.Join(sorted, ", "))
	if s := closest(key, sorted); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}

// closest returns the candidate within edit distance 2 of s (and closer than any other), or "".
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
