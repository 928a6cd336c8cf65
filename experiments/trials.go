package experiments

import (
	"fmt"
	"strings"
)

// MaxTrials bounds the size of a sweep; larger grids are almost certainly a mistake.
const MaxTrials = 10000

// Trial is one fully resolved configuration of a sweep.
type Trial struct {
	Index     int         // position in expansion order, from 0
	Name      string      // e.g. "reduce=false,aux=true", "no_reduction" or "no_reduction,lr=0.001"
	Config    *Experiment // resolved and validated; Sweep is empty
	Resolved  string      // canonical YAML of Config (see Experiment.Resolved)
	Hash      string      // the trial's identity: hex SHA-256 (64 digits), see Experiment.Hash
	Overrides []string    // the key=value pairs that define this trial (variant first, then grid)
}

// Trials expands the sweep: for each variant in file order (a single unnamed one when there are
// none), every combination of the grid in file order, the last grid key varying fastest.
// Without a sweep it returns one trial named "default" holding the experiment itself. Every
// trial is validated; a sweep whose trials collide (same resolved config) is an error.
func (e *Experiment) Trials() ([]Trial, error) {
	errs := e.checkSweep()
	if len(errs) > 0 {
		errs.attribute(e.File, nil)
		return nil, errs.err()
	}
	variants := e.Sweep.Variants
	if len(variants) == 0 {
		variants = []Variant{{}}
	}
	seeds := max(1, e.Sweep.Seeds)
	total := len(variants)
	if total*seeds > MaxTrials {
		return nil, &Error{File: e.File, Key: "sweep", Msg: fmt.Sprintf("expands to more than %d trials", MaxTrials), Err: ErrValue}
	}
	for _, a := range e.Sweep.Grid {
		total *= len(a.Values)
		if total*seeds > MaxTrials {
			return nil, &Error{File: e.File, Key: "sweep", Msg: fmt.Sprintf("expands to more than %d trials", MaxTrials), Err: ErrValue}
		}
	}
	short := shortNames(e.Sweep.Grid)
	base := e.clone()
	base.Sweep = Sweep{}
	var trials []Trial
	byHash := map[string]string{}
	for _, v := range variants {
		for combo := 0; combo < total/len(variants); combo++ {
			overrides := append([]Override(nil), v.Overrides...)
			var parts []string
			if v.Name != "" {
				parts = append(parts, v.Name)
			}
			rest := combo
			picks := make([]int, len(e.Sweep.Grid))
			for i := len(e.Sweep.Grid) - 1; i >= 0; i-- {
				n := len(e.Sweep.Grid[i].Values)
				picks[i], rest = rest%n, rest/n
			}
			for i, a := range e.Sweep.Grid {
				val := a.Values[picks[i]]
				overrides = append(overrides, Override{Key: a.Key, Value: val, Text: formatValue(val, ", ")})
				parts = append(parts, short[i]+"="+formatValue(val, ","))
			}
			for k := 0; k < seeds; k++ {
				name, ov := strings.Join(parts, ","), overrides
				if e.Sweep.Seeds > 0 {
					seed := SeedOf(e.Seed, k)
					ov = append(append([]Override(nil), overrides...), Override{Key: "seed", Value: int(seed), Text: fmt.Sprint(seed)})
					name = strings.Join(append(append([]string(nil), parts...), fmt.Sprintf("seed=%d", seed)), ",")
				}
				if name == "" {
					name = "default"
				}
				t, errs := base.trial(len(trials), name, ov)
				if len(errs) > 0 {
					errs.attribute(e.File, nil)
					return nil, errs.err()
				}
				if other, dup := byHash[t.Hash]; dup {
					return nil, &Error{File: e.File, Key: "sweep", Err: ErrValue,
						Msg: fmt.Sprintf("trials %q and %q resolve to the same config (hash %s)", other, name, t.Hash[:16])}
				}
				byHash[t.Hash] = name
				trials = append(trials, t)
			}
		}
	}
	return trials, nil
}

// trial applies the overrides to a copy of e and validates the result.
func (e *Experiment) trial(index int, name string, overrides []Override) (Trial, errorList) {
	cfg := e.clone()
	set := map[string]bool{}
	label := fmt.Sprintf("trial %d %q", index, name)
	errs := cfg.applyAll(overrides, set)
	for k := range set {
		delete(cfg.auto, k)
	}
	cfg.applySourceDefaults()
	t := Trial{Index: index, Name: name, Config: cfg}
	for _, o := range overrides {
		t.Overrides = append(t.Overrides, o.String())
	}
	cfg.Overrides = append(cfg.Overrides, t.Overrides...)
	if len(errs) == 0 {
		errs = cfg.validate()
	}
	for _, err := range errs {
		err.Trial = label
	}
	if len(errs) > 0 {
		return t, errs
	}
	t.Resolved = cfg.Resolved()
	t.Hash = cfg.Hash()
	return t, nil
}

// checkSweep checks what can be checked about the sweep before expanding it: every key exists
// and every value fits its key (applied alone to the base config), no key is swept twice.
func (e *Experiment) checkSweep() errorList {
	var errs errorList
	base := e.clone()
	base.Sweep = Sweep{}
	try := func(where string, o Override) {
		if o.Key == "sweep" || strings.HasPrefix(o.Key, "sweep.") {
			errs.add(where, ErrValue, "a sweep cannot set %s", o.Key)
			return
		}
		for _, err := range base.clone().apply(o, map[string]bool{}) {
			if err.Key != "" {
				err.Msg = err.Key + ": " + err.Msg
			}
			err.Key = where
			errs = append(errs, err)
		}
	}
	for _, a := range e.Sweep.Grid {
		for i, v := range a.Values {
			try(fmt.Sprintf("sweep.grid.%s[%d]", a.Key, i), Override{Key: a.Key, Value: v, Text: formatValue(v, ", ")})
		}
	}
	for i, a := range e.Sweep.Grid {
		for _, b := range e.Sweep.Grid[i+1:] {
			if pathRelated(a.Key, b.Key) {
				errs.add("sweep.grid", ErrValue, "keys %s and %s overlap", a.Key, b.Key)
			}
		}
	}
	if e.Sweep.Seeds > 0 {
		for _, a := range e.Sweep.Grid {
			if pathRelated(a.Key, "seed") {
				errs.add("sweep.grid."+a.Key, ErrValue, "sweeps seed, which sweep.seeds also sets; use one of them")
			}
		}
	}
	for i, v := range e.Sweep.Variants {
		where := fmt.Sprintf("sweep.variants[%d].%s", i, v.Name)
		for j, o := range v.Overrides {
			try(where, o)
			for _, p := range v.Overrides[:j] {
				if pathRelated(p.Key, o.Key) {
					errs.add(where, ErrValue, "keys %s and %s overlap", p.Key, o.Key)
				}
			}
			if e.Sweep.Seeds > 0 && pathRelated(o.Key, "seed") {
				errs.add(where, ErrValue, "sets seed, which sweep.seeds also sets; use one of them")
			}
			for _, a := range e.Sweep.Grid {
				if pathRelated(a.Key, o.Key) {
					errs.add(where, ErrValue, "sets %s, which sweep.grid also sweeps over %s", o.Key, a.Key)
				}
			}
		}
	}
	return errs
}

// shortNames gives each grid key its short name: the last path component, "enabled" replaced
// by its parent, and the full path for keys whose short names collide.
func shortNames(axes []GridAxis) []string {
	short := make([]string, len(axes))
	count := map[string]int{}
	for i, a := range axes {
		parts := strings.Split(a.Key, ".")
		s := parts[len(parts)-1]
		if s == "enabled" && len(parts) > 1 {
			s = parts[len(parts)-2]
		}
		short[i] = s
		count[s]++
	}
	for i, a := range axes {
		if count[short[i]] > 1 {
			short[i] = a.Key
		}
	}
	return short
}
