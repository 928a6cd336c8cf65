package reports

import (
	"sort"
	"strconv"

	"inceptionlab/tracking"
)

// variant is one configuration of the experiment with its seeds pooled:
// the finished representatives of the trials whose params differ only in
// seed (and derived facts).
type variant struct {
	Key   string // configKey of its runs
	Label string // the values of the keys that vary between variants: "naive, aux"
	Runs  []*run // sorted by seed
}

// findVariants groups the finished representatives of trials into
// variants, in order of first appearance.
func findVariants(trials []*trial) []*variant {
	var reps []*run
	for _, t := range trials {
		if t.Rep.Status == tracking.Finished {
			reps = append(reps, t.Rep)
		}
	}
	var out []*variant
	byKey := map[string]*variant{}
	for _, r := range reps {
		k := configKey(r.Params)
		v := byKey[k]
		if v == nil {
			v = &variant{Key: k}
			byKey[k] = v
			out = append(out, v)
		}
		v.Runs = append(v.Runs, r)
	}
	varying := []string(nil)
	if len(reps) > 0 {
		varying = varyingKeys(reps, "")
	}
	for _, v := range out {
		sort.SliceStable(v.Runs, func(i, j int) bool { return v.Runs[i].Seed < v.Runs[j].Seed })
		v.Label = contextLabel(v.Runs[0].Params, varying)
		if v.Label == "" {
			v.Label = v.Runs[0].Trial
			if len(v.Runs) > 1 {
				v.Label = "all seeds"
			}
		}
	}
	return out
}

// seeds lists the variant's seeds: "1, 2, 3".
func (v *variant) seeds() string { return seedList(v.Runs) }

// seedList lists the runs' seeds: "1, 2, 3".
func seedList(runs []*run) string {
	s := ""
	for i, r := range runs {
		if i > 0 {
			s += ", "
		}
		s += strconv.FormatInt(r.Seed, 10)
	}
	return s
}

func itoa(i int) string { return strconv.Itoa(i) }
