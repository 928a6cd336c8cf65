package experiments

import (
	"maps"
	"slices"

	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// decoder copies loosely typed YAML values (as produced by viper or yaml.v3: map[string]any,
// []any, string, bool, int, float64, ...) into the typed structs, strictly: unknown keys and
// wrong types are recorded as errors and leave the destination untouched. Keys present in the
// input are recorded in set, so defaults that depend on other keys can tell "unset" from "zero".
type decoder struct {
	errs errorList
	set  map[string]bool
}

var (
	blockType      = reflect.TypeOf(Block{})
	blockSliceType = reflect.TypeOf([]Block(nil))
	sweepType      = reflect.TypeOf(Sweep{})
)

// blockKeys is the order of the compact list form [name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj].
var blockKeys = yamlKeys(blockType)

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// yamlKeys returns the YAML keys of a struct type in field order, skipping `yaml:"-"` fields.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// fieldByKey returns the struct field tagged key.
func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("yaml"); tag == key && tag != "-" {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// asMap accepts both map flavours yaml.v3 produces and lower-cases keys like viper does.
func asMap(raw any) (map[string]any, bool) {
	switch m := raw.(type) {
	case map[string]any:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[strings.ToLower(k)] = v
		}
		return out, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[strings.ToLower(fmt.Sprint(k))] = v
		}
		return out, true
	}
	return nil, false
}

// value decodes raw into dst, which is addressable; path names dst in errors.
func (d *decoder) value(path string, raw any, dst reflect.Value) {
	if d.set != nil && path != "" {
		d.set[path] = true
	}
	switch dst.Type() {
	case blockSliceType:
		d.blocks(path, raw, dst)
		return
	case blockType:
		if b, ok := d.block(path, raw); ok {
			dst.Set(reflect.ValueOf(b))
		}
		return
	case sweepType:
		d.errs.add(path, ErrType, "the sweep section cannot be decoded here")
		return
	}
	switch dst.Kind() {
	case reflect.Struct:
		d.structure(path, raw, dst)
	case reflect.Slice:
		d.list(path, raw, dst)
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			d.errs.add(path, ErrType, "want a string, got %s", describe(raw))
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			d.errs.add(path, ErrType, "want true or false, got %s", describe(raw))
			return
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, ok := toInt(raw)
		if !ok {
			d.errs.add(path, ErrType, "want an integer, got %s", describe(raw))
			return
		}
		if dst.Kind() == reflect.Int && (n < math.MinInt || n > math.MaxInt) {
			d.errs.add(path, ErrValue, "integer %d out of range", n)
			return
		}
		dst.SetInt(n)
	case reflect.Float64:
		f, ok := toFloat(raw)
		if !ok {
			d.errs.add(path, ErrType, "want a number, got %s", describe(raw))
			return
		}
		dst.SetFloat(f)
	default:
		panic("experiments: no decoder for " + dst.Type().String())
	}
}

func (d *decoder) structure(path string, raw any, dst reflect.Value) {
	m, ok := asMap(raw)
	if !ok {
		d.errs.add(path, ErrType, "want a mapping with keys %s, got %s",
			strings.Join(yamlKeys(dst.Type()), ", "), describe(raw))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		f, ok := fieldByKey(dst, k)
		if !ok || (path == "" && k == "sweep") {
			if !ok {
				d.errs = append(d.errs, &Error{Msg: unknownKeyMsg(path, k, yamlKeys(dst.Type())), Err: ErrUnknownKey})
			}
			continue
		}
		d.value(joinPath(path, k), m[k], f)
	}
}

// list decodes []string and []float64; a single scalar is taken as a one-element list.
func (d *decoder) list(path string, raw any, dst reflect.Value) {
	items, ok := raw.([]any)
	if !ok {
		if _, isMap := asMap(raw); isMap || raw == nil {
			d.errs.add(path, ErrType, "want a list, got %s", describe(raw))
			return
		}
		items = []any{raw}
	}
	out := reflect.MakeSlice(dst.Type(), len(items), len(items))
	before := len(d.errs)
	for i, it := range items {
		d.value(fmt.Sprintf("%s[%d]", path, i), it, out.Index(i))
	}
	if len(d.errs) == before {
		dst.Set(out)
	}
}

func (d *decoder) blocks(path string, raw any, dst reflect.Value) {
	items, ok := raw.([]any)
	if !ok {
		d.errs.add(path, ErrType, "want a list of blocks {%s}, got %s", strings.Join(blockKeys, ", "), describe(raw))
		return
	}
	out := make([]Block, len(items))
	good := true
	for i, it := range items {
		out[i], ok = d.block(fmt.Sprintf("%s[%d]", path, i), it)
		good = good && ok
	}
	if good {
		dst.Set(reflect.ValueOf(out))
	}
}

// block decodes one channel-table row, given as a mapping with all seven keys or as the list
// [name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj].
func (d *decoder) block(path string, raw any) (Block, bool) {
	var b Block
	before := len(d.errs)
	bv := reflect.ValueOf(&b).Elem()
	switch r := raw.(type) {
	case []any:
		if len(r) != len(blockKeys) {
			d.errs.add(path, ErrValue, "want [%s] (a name and six widths), got %d entries %s",
				strings.Join(blockKeys, ", "), len(r), clip(formatValue(r, ", ")))
			return b, false
		}
		for i, k := range blockKeys {
			f, _ := fieldByKey(bv, k)
			d.value(joinPath(path, k), r[i], f)
		}
	default:
		m, ok := asMap(raw)
		if !ok {
			d.errs.add(path, ErrType, "want a block {%s} or a list [%s], got %s",
				strings.Join(blockKeys, ", "), strings.Join(blockKeys, ", "), describe(raw))
			return b, false
		}
		d.structure(path, m, bv)
		var missing []string
		for _, k := range blockKeys {
			if _, ok := m[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			d.errs.add(path, ErrValue, "missing %s (every block needs %s)",
				strings.Join(missing, ", "), strings.Join(blockKeys, ", "))
		}
	}
	return b, len(d.errs) == before
}

func toInt(raw any) (int64, bool) {
	switch n := raw.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

func toFloat(raw any) (float64, bool) {
	switch n := raw.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}

// describe renders a raw value for error messages: strings quoted, lists and mappings shown in
// YAML flow style and named as such.
func describe(raw any) string {
	switch v := raw.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case []any:
		return "a list " + clip(formatValue(v, ", "))
	case map[string]any, map[any]any:
		return "a mapping " + clip(formatValue(v, ", "))
	}
	return formatValue(raw, ", ")
}

func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max-3] + "..."
	}
	return s
}
