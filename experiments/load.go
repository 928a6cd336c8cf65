package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Load reads the YAML file at path, applies the overrides ("key=value", in order), decodes the
// result into an Experiment and validates it, including every trial of its sweep. Problems
// come back as an *Error or, when there are several, Errors; see the package documentation.
func Load(path string, overrides []string) (*Experiment, error) {
	data, err := readConfigFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, overrides)
}

// Parse is Load for YAML already in memory; file names it in errors and becomes Experiment.File.
func Parse(file string, data []byte, overrides []string) (*Experiment, error) {
	e, errs := parse(file, data, overrides)
	if len(errs) > 0 {
		return nil, errs.err()
	}
	if !e.Sweep.Empty() {
		if _, err := e.Trials(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func parse(file string, data []byte, rawOverrides []string) (*Experiment, errorList) {
	e := Default()
	e.File = file
	set := map[string]bool{} // keys the file or the overrides set explicitly
	errs := e.decodeFile(data, set)
	if len(errs) == 0 {
		overrides, oerrs := parseOverrides(rawOverrides)
		errs = append(oerrs, e.applyAll(overrides, set)...)
		if len(errs) == 0 {
			for k := range set {
				delete(e.auto, k)
			}
			e.applySourceDefaults()
			e.Overrides = append([]string(nil), rawOverrides...)
			errs = e.validate()
			errs.attribute(file, overrides)
		}
	}
	errs.attribute(file, nil)
	if len(errs) > 0 {
		return nil, errs
	}
	return e, nil
}

// decodeFile decodes the YAML document onto e, recording the keys it sets.
//
// Two readers look at the text. yaml.v3 sees the structure that viper hides: keys without a
// value (viper drops them), empty mappings under unknown keys (dropped too), dotted keys (viper
// splits them) and the order of the sweep section (viper returns maps). viper then supplies the
// values, with its case-insensitive keys.
func (e *Experiment) decodeFile(data []byte, set map[string]bool) errorList {
	root, errs := readDocument(data)
	if len(errs) > 0 || root == nil {
		return errs
	}
	raw := map[string]any{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := strings.ToLower(root.Content[i].Value), root.Content[i+1]
		switch {
		case key == "sweep":
			var sweepErrs errorList
			e.Sweep, sweepErrs = parseSweep(val)
			errs = append(errs, sweepErrs...)
		case strings.Contains(key, "."):
			errs.add("", ErrSyntax, "dotted key %q is only allowed under sweep.grid and sweep.variants; nest it instead (%s)",
				key, nestedHint(key))
		default:
			checkStructure(key, val, &errs)
			var v any
			if err := val.Decode(&v); err != nil {
				errs.add(key, ErrSyntax, "not valid YAML: %v", err)
			}
			raw[key] = v
		}
	}
	if len(errs) > 0 {
		return errs
	}
	strict := decoder{}
	strict.value("", raw, reflect.ValueOf(Default()).Elem())
	if len(strict.errs) > 0 {
		return strict.errs
	}

	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return errorList{{Msg: fmt.Sprintf("not valid YAML: %v", err), Err: ErrSyntax}}
	}
	settings := v.AllSettings()
	delete(settings, "sweep")
	d := decoder{set: set}
	d.value("", settings, reflect.ValueOf(e).Elem())
	return d.errs
}

// readDocument parses data as a single YAML document whose top level is a mapping; it returns
// nil for an empty document.
func readDocument(data []byte) (*yaml.Node, errorList) {
	if len(data) > MaxConfigBytes {
		return nil, errorList{tooBig("", int64(len(data)))}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, errorList{{Msg: fmt.Sprintf("not valid YAML: %v", err), Err: ErrSyntax}}
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		return nil, errorList{{Msg: "holds more than one YAML document (---); put one experiment per file", Err: ErrSyntax}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, nil
	}
	root := doc.Content[0]
	if errs := checkBounds(root); len(errs) > 0 {
		return nil, errs
	}
	if root.Kind != yaml.MappingNode {
		return nil, errorList{{Msg: fmt.Sprintf("the top level must be a mapping of keys (%s), got %s",
			strings.Join(yamlKeys(reflect.TypeOf(Experiment{})), ", "), describeNode(root)), Err: ErrType}}
	}
	return root, nil
}

// checkStructure rejects what viper would silently drop or reinterpret: keys without a value
// and dotted keys outside the sweep section.
func checkStructure(path string, n *yaml.Node, errs *errorList) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			errs.add(path, ErrType, "no value (null); give a value or remove the key")
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			checkStructure(fmt.Sprintf("%s[%d]", path, i), c, errs)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := strings.ToLower(n.Content[i].Value)
			if strings.Contains(key, ".") {
				errs.add(path, ErrSyntax, "dotted key %q is only allowed under sweep.grid and sweep.variants; nest it instead (%s)",
					key, nestedHint(key))
				continue
			}
			checkStructure(joinPath(path, key), n.Content[i+1], errs)
		}
	}
}

// nestedHint turns "aux.weight" into "aux: {weight: ...}".
func nestedHint(key string) string {
	parts := strings.Split(key, ".")
	s := "..."
	for i := len(parts) - 1; i >= 0; i-- {
		if i == len(parts)-1 {
			s = parts[i] + ": " + s
		} else {
			s = parts[i] + ": {" + s + "}"
		}
	}
	return s
}
