package experiments

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"inceptionlab/internal/fault"
	"inceptionlab/internal/numfmt"
)

// Limits on a config file, checked before anything decodes it, so a hostile or mistaken input (an alias
// bomb, a generated file with 200,000 keys, /dev/zero) is rejected within a second instead of taking
// minutes or all memory. The largest config in configs/ is under 2 KiB.
const (
	MaxConfigBytes = 256 << 10 // file size
	MaxConfigKeys  = 10000     // mapping keys, counted with aliases expanded
	MaxConfigNodes = 100000    // YAML nodes, counted with aliases expanded
)

// readConfigFile reads path after checking that it is a regular file of at most MaxConfigBytes; it never
// reads more than that.
func readConfigFile(path string) ([]byte, error) {
	fault.Point(fault.ConfigLoad)
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read config: %v", err), Err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read config: %v", err), Err: err}
	}
	if !info.Mode().IsRegular() {
		return nil, &Error{File: path, Msg: fmt.Sprintf("not a regular file (%s); give a YAML config file", describeMode(info.Mode())), Err: ErrSyntax}
	}
	if info.Size() > MaxConfigBytes {
		return nil, tooBig(path, info.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read config: %v", err), Err: err}
	}
	if len(data) > MaxConfigBytes { // it grew while we read it
		return nil, tooBig(path, int64(len(data)))
	}
	return data, nil
}

func tooBig(file string, size int64) *Error {
	return &Error{File: file, Msg: fmt.Sprintf("is %s; config files are limited to %s", numfmt.Bytes(size), numfmt.Bytes(MaxConfigBytes)), Err: ErrSyntax}
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// checkBounds counts the document's nodes and mapping keys with every alias expanded (memoised per
// anchor, so counting an alias bomb is as cheap as its text) and rejects documents beyond the limits
// before anything expands them. It also rejects keys of one mapping that differ only in letter case:
// keys are case-insensitive, so viper would keep one and silently drop the other.
func checkBounds(root *yaml.Node) errorList {
	var errs errorList
	memo := map[*yaml.Node][2]int{}
	var count func(n *yaml.Node, depth int) (nodes, keys int)
	count = func(n *yaml.Node, depth int) (int, int) {
		if n == nil {
			return 0, 0
		}
		if c, ok := memo[n]; ok {
			return c[0], c[1]
		}
		if depth > 1000 { // an alias cycle or absurd nesting
			return MaxConfigNodes + 1, 0
		}
		nodes, keys := 1, 0
		if n.Kind == yaml.AliasNode {
			nodes, keys = count(n.Alias, depth+1)
		}
		if n.Kind == yaml.MappingNode {
			keys += len(n.Content) / 2
		}
		for _, c := range n.Content {
			cn, ck := count(c, depth+1)
			nodes, keys = sat(nodes+cn), sat(keys+ck)
		}
		memo[n] = [2]int{nodes, keys}
		return nodes, keys
	}
	nodes, keys := count(root, 0)
	switch {
	case nodes > MaxConfigNodes:
		errs.add("", ErrSyntax, "has more than %d YAML values once its aliases expand to more than %d nodes (an alias bomb?); write the values out", MaxConfigNodes, MaxConfigNodes)
	case keys > MaxConfigKeys:
		errs.add("", ErrSyntax, "has more than %d keys (%d with aliases expanded); an experiment config needs a few dozen", MaxConfigKeys, keys)
	}
	if len(errs) > 0 {
		return errs
	}
	caseDuplicates("", root, map[*yaml.Node]bool{}, &errs)
	return errs
}

// sat saturates a count at a value far beyond every limit, so sums cannot overflow.
func sat(n int) int { return min(n, 1<<40) }

// caseDuplicates reports, for every mapping, keys equal up to letter case; path names the mapping.
func caseDuplicates(path string, n *yaml.Node, seen map[*yaml.Node]bool, errs *errorList) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	switch n.Kind {
	case yaml.AliasNode:
		caseDuplicates(path, n.Alias, seen, errs)
	case yaml.SequenceNode:
		for i, c := range n.Content {
			caseDuplicates(fmt.Sprintf("%s[%d]", path, i), c, seen, errs)
		}
	case yaml.MappingNode:
		first := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			lower := strings.ToLower(k.Value)
			if prev, ok := first[lower]; ok && prev.Value != k.Value {
				errs.add(path, ErrSyntax, "keys %q (line %d) and %q (line %d) differ only in letter case; keys are case-insensitive, so one would silently replace the other: merge them into one",
					prev.Value, prev.Line, k.Value, k.Line)
				continue
			}
			if _, ok := first[lower]; !ok {
				first[lower] = k
			}
			caseDuplicates(joinPath(path, lower), n.Content[i+1], seen, errs)
		}
	}
}

// LoadContext is Load that returns as soon as ctx is done (a signal), leaving the loading goroutine to
// finish on its own; with the limits above that takes well under a second.
func LoadContext(ctx context.Context, path string, overrides []string) (*Experiment, error) {
	type result struct {
		e   *Experiment
		err error
	}
	done := make(chan result, 1)
	go func() {
		e, err := Load(path, overrides)
		done <- result{e, err}
	}()
	select {
	case r := <-done:
		return r.e, r.err
	case <-ctx.Done():
		return nil, &Error{File: path, Msg: fmt.Sprintf("loading interrupted: %v", context.Cause(ctx)), Err: ctx.Err()}
	}
}
