package experiments

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Sweep describes a parameter study; see the package documentation for how it expands.
type Sweep struct {
	Grid     []GridAxis // in file order
	Variants []Variant  // in file order
	// Seeds, when > 0, repeats every trial with Seeds derived seeds (see [SeedOf]).
	Seeds int
}

// MaxSeeds bounds sweep.seeds.
const MaxSeeds = 100

// SeedOf is the seed of replicate k (0-based) of a sweep.seeds sweep whose config has seed base:
// base, base+1, ..., so replicate 0 is the trial the config describes without sweep.seeds.
func SeedOf(base int64, k int) int64 { return base + int64(k) }

// GridAxis is one key of sweep.grid and the values it takes.
type GridAxis struct {
	Key    string // dotted key path, e.g. "train.lr"
	Values []any  // YAML values: string, bool, int, float64, []any or map[string]any
}

// Variant is one named override set of sweep.variants.
type Variant struct {
	Name      string
	Overrides []Override // in file order
}

// Empty reports whether the sweep has neither grid nor variants.
func (s Sweep) Empty() bool { return len(s.Grid) == 0 && len(s.Variants) == 0 && s.Seeds == 0 }

func (s Sweep) clone() Sweep {
	c := Sweep{Seeds: s.Seeds}
	for _, a := range s.Grid {
		c.Grid = append(c.Grid, GridAxis{Key: a.Key, Values: append([]any(nil), a.Values...)})
	}
	for _, v := range s.Variants {
		c.Variants = append(c.Variants, Variant{Name: v.Name, Overrides: append([]Override(nil), v.Overrides...)})
	}
	return c
}

// sweepKeys are the keys valid under sweep.
var sweepKeys = []string{"grid", "seeds", "variants"}

// parseSweep reads the sweep section from its YAML node, keeping file order.
func parseSweep(n *yaml.Node) (Sweep, errorList) {
	var s Sweep
	var errs errorList
	if n.Kind != yaml.MappingNode {
		errs.add("sweep", ErrType, "want a mapping with keys grid, seeds, variants, got %s", describeNode(n))
		return s, errs
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := strings.ToLower(n.Content[i].Value), n.Content[i+1]
		switch key {
		case "grid":
			s.Grid, errs = parseGrid(val, errs)
		case "variants":
			s.Variants, errs = parseVariants(val, errs)
		case "seeds":
			s.Seeds, errs = parseSeeds(val, errs)
		default:
			errs = append(errs, &Error{Msg: unknownKeyMsg("sweep", key, sweepKeys), Err: ErrUnknownKey})
		}
	}
	return s, errs
}

// parseSeeds reads sweep.seeds: a whole number of replicates in [1, MaxSeeds].
func parseSeeds(n *yaml.Node, errs errorList) (int, errorList) {
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		errs.add("sweep.seeds", ErrType, "want a whole number of seeds per trial (1 to %d), got %s", MaxSeeds, describeNode(n))
		return 0, errs
	}
	if v < 1 || v > MaxSeeds {
		errs.add("sweep.seeds", ErrValue, "must be between 1 and %d seeds per trial, got %d", MaxSeeds, v)
		return 0, errs
	}
	return v, errs
}

func parseGrid(n *yaml.Node, errs errorList) ([]GridAxis, errorList) {
	if n.Kind != yaml.MappingNode {
		errs.add("sweep.grid", ErrType, "want a mapping from key path to a list of values, got %s", describeNode(n))
		return nil, errs
	}
	var axes []GridAxis
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := strings.ToLower(n.Content[i].Value), n.Content[i+1]
		var axis GridAxis
		axis, errs = parseAxis(key, val, errs)
		if seen[key] {
			errs.add("sweep.grid", ErrValue, "key %q appears twice", key)
			continue
		}
		seen[key] = true
		axes = append(axes, axis)
	}
	return axes, errs
}

func parseAxis(key string, val *yaml.Node, errs errorList) (GridAxis, errorList) {
	axis := GridAxis{Key: key}
	where := "sweep.grid." + key
	if _, err := splitPath(key); err != nil {
		errs.add("sweep.grid", ErrSyntax, "%v", err)
		return axis, errs
	}
	if val.Kind != yaml.SequenceNode || len(val.Content) == 0 {
		errs.add(where, ErrType, "want a non-empty list of values, got %s", describeNode(val))
		return axis, errs
	}
	seen := map[string]bool{}
	for _, item := range val.Content {
		var v any
		if err := item.Decode(&v); err != nil {
			errs.add(where, ErrSyntax, "%v", err)
			continue
		}
		text := formatValue(v, ", ")
		if seen[text] {
			errs.add(where, ErrValue, "value %s appears twice", text)
			continue
		}
		seen[text] = true
		axis.Values = append(axis.Values, v)
	}
	return axis, errs
}

func parseVariants(n *yaml.Node, errs errorList) ([]Variant, errorList) {
	if n.Kind != yaml.SequenceNode {
		errs.add("sweep.variants", ErrType,
			"want a list of named override sets such as [{no_reduction: {model.inception.reduce: false}}], got %s", describeNode(n))
		return nil, errs
	}
	var out []Variant
	seen := map[string]bool{}
	for i, item := range n.Content {
		where := fmt.Sprintf("sweep.variants[%d]", i)
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			errs.add(where, ErrType, "want a mapping with one key, the variant name, holding its overrides "+
				"(e.g. no_reduction: {model.inception.reduce: false}), got %s", describeNode(item))
			continue
		}
		name, body := item.Content[0].Value, item.Content[1]
		if !validName(name) {
			errs.add(where, ErrValue, "variant name %q must be non-empty and use only A-Z a-z 0-9 _ . -", name)
		}
		if seen[name] {
			errs.add(where, ErrValue, "variant name %q is used twice", name)
		}
		seen[name] = true
		v := Variant{Name: name}
		switch {
		case body.Kind == yaml.ScalarNode && body.Tag == "!!null":
			// "- baseline:" is a variant without overrides.
		case body.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(body.Content); j += 2 {
				key := strings.ToLower(body.Content[j].Value)
				if _, err := splitPath(key); err != nil {
					errs.add(where+"."+name, ErrSyntax, "%v", err)
					continue
				}
				var val any
				if err := body.Content[j+1].Decode(&val); err != nil {
					errs.add(where+"."+name, ErrSyntax, "%v", err)
					continue
				}
				v.Overrides = append(v.Overrides, Override{Key: key, Value: val, Text: formatValue(val, ", "), node: body.Content[j+1]})
			}
		default:
			errs.add(where+"."+name, ErrType, "want a mapping from key path to value, got %s", describeNode(body))
			continue
		}
		out = append(out, v)
	}
	return out, errs
}

// applySweep handles overrides of sweep, sweep.grid, sweep.grid.PATH and sweep.variants.
func (e *Experiment) applySweep(o Override) errorList {
	node := o.node
	if node == nil { // built in Go: re-create the node from the value
		node = &yaml.Node{}
		if err := node.Encode(o.Value); err != nil {
			return errorList{{Key: o.Key, Msg: err.Error(), Err: ErrType}}
		}
	}
	switch {
	case o.Key == "sweep":
		s, errs := parseSweep(node)
		if len(errs) == 0 {
			e.Sweep = s
		}
		return errs
	case o.Key == "sweep.grid":
		g, errs := parseGrid(node, nil)
		if len(errs) == 0 {
			e.Sweep.Grid = g
		}
		return errs
	case o.Key == "sweep.seeds":
		v, errs := parseSeeds(node, nil)
		if len(errs) == 0 {
			e.Sweep.Seeds = v
		}
		return errs
	case o.Key == "sweep.variants":
		v, errs := parseVariants(node, nil)
		if len(errs) == 0 {
			e.Sweep.Variants = v
		}
		return errs
	case strings.HasPrefix(o.Key, "sweep.grid."):
		axis, errs := parseAxis(strings.TrimPrefix(o.Key, "sweep.grid."), node, nil)
		if len(errs) > 0 {
			return errs
		}
		for i := range e.Sweep.Grid {
			if e.Sweep.Grid[i].Key == axis.Key {
				e.Sweep.Grid[i] = axis
				return nil
			}
		}
		e.Sweep.Grid = append(e.Sweep.Grid, axis)
		return nil
	}
	var errs errorList
	key := strings.TrimPrefix(strings.TrimPrefix(o.Key, "sweep"), ".")
	errs = append(errs, &Error{Msg: unknownKeyMsg("sweep", key, sweepKeys), Err: ErrUnknownKey})
	return errs
}

// describeNode renders a YAML node for error messages.
func describeNode(n *yaml.Node) string {
	var v any
	if err := n.Decode(&v); err != nil {
		return "invalid YAML"
	}
	return describe(v)
}
