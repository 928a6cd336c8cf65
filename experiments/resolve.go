package experiments

import (
	"maps"
	"slices"

	"bytes"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// tree returns the config as nested map[string]any / []any / scalars keyed by YAML key, with
// every key present (defaults included). File, Overrides and the sweep are not part of it.
func (e *Experiment) tree() map[string]any {
	return structTree(reflect.ValueOf(e).Elem())
}

func structTree(v reflect.Value) map[string]any {
	out := map[string]any{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" || t.Field(i).Type == sweepType {
			continue
		}
		out[tag] = valueTree(v.Field(i))
	}
	return out
}

func valueTree(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Struct:
		return structTree(v)
	case reflect.Slice:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = valueTree(v.Index(i))
		}
		return out
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int64:
		return v.Int()
	case reflect.Float64:
		return v.Float()
	}
	panic("experiments: no tree form for " + v.Type().String())
}

// Resolved returns the canonical YAML of the config without its sweep: every key present,
// mappings sorted by key, two-space indentation, lists of scalars and rows of the channel table
// in flow style, floats in shortest form. The same config gives the same text on every run and
// machine, and the text loads back to the same config.
func (e *Experiment) Resolved() string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(treeNode(e.tree(), false)); err != nil {
		// The tree holds only maps, lists, strings, bools and numbers, which always encode.
		panic("experiments: encoding resolved config: " + err.Error())
	}
	if err := enc.Close(); err != nil {
		panic("experiments: encoding resolved config: " + err.Error())
	}
	return buf.String()
}

// treeNode converts a tree into a yaml.Node with sorted mapping keys; lists, and everything
// inside them, use flow style.
func treeNode(v any, flow bool) *yaml.Node {
	switch t := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if flow {
			n.Style = yaml.FlowStyle
		}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, treeNode(t[k], flow))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		onlyScalars := true
		for _, x := range t {
			if _, isMap := x.(map[string]any); isMap {
				onlyScalars = false
			}
		}
		if flow || onlyScalars {
			n.Style = yaml.FlowStyle
		}
		for _, x := range t {
			n.Content = append(n.Content, treeNode(x, true))
		}
		return n
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		panic("experiments: encoding resolved config: " + err.Error())
	}
	return n
}

// Flatten returns the resolved config (without its sweep) as dotted key -> canonical string,
// for example "model.inception.reduce" -> "false" and "train.lr" -> "0.0003". Rows of the
// channel table flatten to indexed keys ("model.inception.blocks[0].ch1x1" -> "64"); other lists
// are one flow-style value ("model.aux.after" -> "[4a, 4d]").
func (e *Experiment) Flatten() map[string]string {
	out := map[string]string{}
	flattenInto(out, "", e.tree())
	return out
}

func flattenInto(out map[string]string, prefix string, v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			flattenInto(out, joinPath(prefix, k), sub)
		}
	case []any:
		if len(t) > 0 {
			if _, isMap := t[0].(map[string]any); isMap {
				for i, sub := range t {
					flattenInto(out, fmt.Sprintf("%s[%d]", prefix, i), sub)
				}
				return
			}
		}
		out[prefix] = formatValue(t, ", ")
	default:
		out[prefix] = formatValue(t, ", ")
	}
}

// formatValue renders a YAML value canonically in flow style, such that parsing the text as
// YAML gives the value back: floats in shortest form (3e-4 -> 0.0003), strings bare unless YAML
// would read them differently, lists as [a<sep>b], mappings as {k: v} with sorted keys.
func formatValue(v any, sep string) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return formatString(t)
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case int32:
		return strconv.FormatInt(int64(t), 10)
	case uint64:
		return strconv.FormatUint(t, 10)
	case float32:
		return formatFloat(float64(t))
	case float64:
		return formatFloat(t)
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = formatValue(x, sep)
		}
		return "[" + strings.Join(parts, sep) + "]"
	case map[string]any, map[any]any:
		m, _ := asMap(t)
		keys := slices.Sorted(maps.Keys(m))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = formatString(k) + ": " + formatValue(m[k], sep)
		}
		return "{" + strings.Join(parts, sep) + "}"
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// formatString leaves s bare when YAML reads it back as the same string in a flow context,
// and double-quotes it otherwise.
func formatString(s string) string {
	if s == "" || strings.ContainsAny(s, ",[]{}#:\"'&*!|>%@`\\\n\r\t") || strings.TrimSpace(s) != s ||
		strings.HasPrefix(s, "-") || strings.HasPrefix(s, "?") {
		return strconv.Quote(s)
	}
	var back any
	if err := yaml.Unmarshal([]byte(s), &back); err != nil || back != s {
		return strconv.Quote(s)
	}
	return s
}
