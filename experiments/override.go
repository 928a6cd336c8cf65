package experiments

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Override sets one key: the parsed form of "key=value".
type Override struct {
	Key   string // dotted key path, lower case; list elements as [i]
	Value any    // the value parsed as YAML (string, bool, int, float64, []any, map[string]any)
	Text  string // the value as written; String gives Key=Text

	node    *yaml.Node // the parsed value, kept for sections whose order matters (sweep)
	literal bool       // Text was typed by a user: string keys take it verbatim
}

// String returns "key=value".
func (o Override) String() string { return o.Key + "=" + o.Text }

// ParseOverride parses "key=value". The key is a dotted path whose segments are made of
// letters, digits and underscores, each optionally followed by list indexes ("blocks[2]"); it is
// lower-cased like the file's keys. The value is parsed as one YAML document in flow style: a
// scalar, a list like [4a, 4d] or a mapping like {mean: [0.5]}; an empty value, or text that is
// not YAML, is taken as a string.
// Whether the key exists and the value fits it is checked when the override is applied.
func ParseOverride(s string) (Override, error) {
	if !utf8.ValidString(s) {
		return Override{}, &Error{Override: strconv.QuoteToASCII(s), Msg: "not valid UTF-8", Err: ErrSyntax}
	}
	key, text, ok := strings.Cut(s, "=")
	if !ok {
		return Override{}, &Error{Override: s, Msg: "want key=value, e.g. train.lr=0.001", Err: ErrSyntax}
	}
	key = strings.ToLower(strings.TrimSpace(key))
	text = strings.TrimSpace(text)
	o := Override{Key: key, Text: text, literal: true}
	if _, err := splitPath(key); err != nil {
		return Override{}, &Error{Override: s, Msg: err.Error(), Err: ErrSyntax}
	}
	if text == "" {
		o.Value = ""
		o.node = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""}
		return o, nil
	}
	node, value, err := parseYAMLValue(text)
	if err != nil {
		// Not YAML (data.path=/tmp/[x): the text itself, a string. Keys that want
		// something else reject it with the text quoted.
		o.Value = text
		o.node = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text}
		return o, nil
	}
	o.node, o.Value = node, value
	return o, nil
}

// parseYAMLValue parses text as exactly one YAML document.
func parseYAMLValue(text string) (*yaml.Node, any, error) {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("value %q is not valid YAML: %v", text, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("value %q holds more than one YAML document", text)
	}
	node := &doc
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	var v any
	if err := node.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("value %q: %v", text, err)
	}
	return node, v, nil
}

// segment is one step of a key path: a key followed by zero or more list indexes.
type segment struct {
	key     string
	indexes []int
}

// splitPath parses "model.inception.blocks[2].ch3x3".
func splitPath(path string) ([]segment, error) {
	if path == "" {
		return nil, fmt.Errorf("empty key; want a dotted key path such as train.lr")
	}
	var segs []segment
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name == "" {
			return nil, fmt.Errorf("key %q has an empty segment; want a dotted key path such as train.lr", path)
		}
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return nil, fmt.Errorf("key %q: %q is not a key name (letters, digits, _)", path, name)
			}
		}
		seg := segment{key: name}
		if rest != "" {
			rest = "[" + rest
			for rest != "" {
				if rest[0] != '[' {
					return nil, fmt.Errorf("key %q: want [index] after %q", path, name)
				}
				end := strings.IndexByte(rest, ']')
				if end < 0 {
					return nil, fmt.Errorf("key %q: missing ]", path)
				}
				n, err := strconv.Atoi(rest[1:end])
				if err != nil || n < 0 || n > 1_000_000 || rest[1:end] != strconv.Itoa(n) {
					return nil, fmt.Errorf("key %q: %q is not a list index", path, rest[1:end])
				}
				seg.indexes = append(seg.indexes, n)
				rest = rest[end+1:]
			}
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

// apply sets the override on e. Problems come back without source; the caller attributes them.
// Keys set are recorded in set.
func (e *Experiment) apply(o Override, set map[string]bool) errorList {
	if o.Key == "sweep" || strings.HasPrefix(o.Key, "sweep.") || strings.HasPrefix(o.Key, "sweep[") {
		return e.applySweep(o)
	}
	segs, err := splitPath(o.Key)
	if err != nil {
		return errorList{{Key: o.Key, Msg: err.Error(), Err: ErrSyntax}}
	}
	dst := reflect.ValueOf(e).Elem()
	path := ""
	for _, seg := range segs {
		if dst.Kind() != reflect.Struct {
			return errorList{{Msg: fmt.Sprintf("unknown key %q (%s holds a single value, not keys)",
				joinPath(path, seg.key), path), Err: ErrUnknownKey}}
		}
		f, ok := fieldByKey(dst, seg.key)
		if !ok {
			return errorList{{Msg: unknownKeyMsg(path, seg.key, yamlKeys(dst.Type())), Err: ErrUnknownKey}}
		}
		dst, path = f, joinPath(path, seg.key)
		for _, i := range seg.indexes {
			if dst.Kind() != reflect.Slice {
				return errorList{{Key: path, Msg: fmt.Sprintf("not a list, cannot take index [%d]", i), Err: ErrUnknownKey}}
			}
			if i >= dst.Len() {
				return errorList{{Key: path, Msg: fmt.Sprintf("index [%d] out of range: the list has %d entries", i, dst.Len()), Err: ErrValue}}
			}
			dst, path = dst.Index(i), fmt.Sprintf("%s[%d]", path, i)
		}
	}
	value := o.Value
	if dst.Kind() == reflect.String && o.literal {
		value = o.Text // name=123 means the string "123"
	}
	d := decoder{set: set}
	d.value(path, value, dst)
	return d.errs
}

// applyAll applies overrides in order, attributing each problem to its override.
func (e *Experiment) applyAll(overrides []Override, set map[string]bool) errorList {
	var errs errorList
	for _, o := range overrides {
		for _, err := range e.apply(o, set) {
			err.Override = o.String()
			errs = append(errs, err)
		}
	}
	return errs
}

// parseOverrides parses every override, collecting syntax errors.
func parseOverrides(raw []string) ([]Override, errorList) {
	var errs errorList
	out := make([]Override, 0, len(raw))
	for _, s := range raw {
		o, err := ParseOverride(s)
		if err != nil {
			errs = append(errs, err.(*Error))
			continue
		}
		out = append(out, o)
	}
	return out, errs
}
