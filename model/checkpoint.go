package model

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"inceptionlab/model/arch"
	"inceptionlab/model/safetensors"
)

// Checkpoint metadata keys written by the net. Callers add their own keys (config hash, class names, ...)
// through the meta argument; keys starting with "inceptionlab." and "adam." are reserved.
const (
	MetaSpec = "inceptionlab.spec" // the Spec as JSON: enough to rebuild the network
	MetaSeed = "inceptionlab.seed" // the seed dropout masks derive from
	MetaKind = "inceptionlab.kind" // "weights" or "training" (weights + optimizer state)
)

// SaveWeights writes the parameters to a safetensors file (tensor names = parameter names), with meta and
// the spec in the header metadata. The file is replaced atomically.
func (n *Net) SaveWeights(path string, meta map[string]string) error {
	return n.save(path, meta, false)
}

// SaveTraining writes the parameters and the optimizer state, so Load can resume training exactly.
func (n *Net) SaveTraining(path string, meta map[string]string) error {
	return n.save(path, meta, true)
}

func (n *Net) save(path string, meta map[string]string, training bool) error {
	spec, err := json.Marshal(n.plan.Spec)
	if err != nil {
		return fmt.Errorf("model: encoding spec: %w", err)
	}
	all := maps.Clone(meta)
	if all == nil {
		all = map[string]string{}
	}
	for k := range all {
		if strings.HasPrefix(k, "inceptionlab.") || strings.HasPrefix(k, "adam.") {
			return fmt.Errorf("model: checkpoint metadata key %q is reserved", k)
		}
	}
	all[MetaSpec] = string(spec)
	all[MetaSeed] = strconv.FormatUint(n.seed, 10)
	all[MetaKind] = "weights"
	ts := n.Params()
	if training {
		st, sm := n.adam.StateTensors(n.infos)
		ts = append(ts, st...)
		maps.Copy(all, sm)
		all[MetaKind] = "training"
	}
	return safetensors.WriteSafetensors(path, ts, all)
}

// Load rebuilds a net from a checkpoint written by SaveWeights or SaveTraining (restoring the optimizer
// state when present) and returns the checkpoint's metadata.
func Load(path string) (*Net, map[string]string, error) {
	ts, meta, err := safetensors.ReadSafetensors(path)
	if err != nil {
		return nil, nil, err
	}
	raw, ok := meta[MetaSpec]
	if !ok {
		return nil, nil, fmt.Errorf("model: %s: not an inceptionlab checkpoint (no %s metadata)", path, MetaSpec)
	}
	var spec arch.Spec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return nil, nil, fmt.Errorf("model: %s: bad %s metadata: %w", path, MetaSpec, err)
	}
	plan, err := arch.NewPlan(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %s: %w", path, err)
	}
	seed, err := strconv.ParseUint(meta[MetaSeed], 10, 64)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %s: bad %s metadata %q", path, MetaSeed, meta[MetaSeed])
	}
	var params []safetensors.Tensor
	byName := map[string]safetensors.Tensor{}
	for _, t := range ts {
		if strings.HasPrefix(t.Name, "adam/") {
			byName[t.Name] = t
			continue
		}
		params = append(params, t)
	}
	n, err := newNet(plan, params, seed)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %s: %w", path, err)
	}
	if meta[MetaKind] == "training" {
		if err := n.adam.SetState(n.infos, byName, meta); err != nil {
			return nil, nil, fmt.Errorf("model: %s: %w", path, err)
		}
	}
	return n, meta, nil
}
