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
// through the meta argument; keys starting with "inceptionlab.", "adam.", "sgd." and "ema." are reserved.
const (
	MetaSpec = "inceptionlab.spec" // the Spec as JSON: enough to rebuild the network
	MetaSeed = "inceptionlab.seed" // the seed dropout masks derive from
	MetaKind = "inceptionlab.kind" // "weights" or "training" (weights + optimizer state)

	metaSmoothing = "inceptionlab.label_smoothing" // training checkpoints: the label smoothing, when not 0
)

// SaveWeights writes the parameters to a safetensors file (tensor names = parameter names), with meta and
// the spec in the header metadata. The file is replaced atomically.
func (n *Net) SaveWeights(path string, meta map[string]string) error {
	return n.save(path, meta, false)
}

// SaveEMAWeights is SaveWeights with the moving average of the weights as the parameters (the
// checkpoint's inceptionlab.weights metadata says "ema"); it fails when the net keeps no average.
func (n *Net) SaveEMAWeights(path string, meta map[string]string) error {
	if n.ema == nil {
		return fmt.Errorf("model: %s: the net keeps no weight average to save", path)
	}
	return n.saveAs(path, meta, false, true)
}

// SaveTraining writes the parameters, the optimizer state and the weight average (when there is
// one), so Load can resume training exactly.
func (n *Net) SaveTraining(path string, meta map[string]string) error {
	return n.save(path, meta, true)
}

// reservedMeta are the metadata key prefixes the net writes itself.
var reservedMeta = []string{"inceptionlab.", "adam.", "sgd.", "ema."}

// stateTensor reports whether a checkpoint tensor is training state rather than a parameter.
func stateTensor(name string) bool {
	return strings.HasPrefix(name, "adam/") || strings.HasPrefix(name, "sgd/") || strings.HasPrefix(name, "ema/")
}

func (n *Net) save(path string, meta map[string]string, training bool) error {
	return n.saveAs(path, meta, training, false)
}

func (n *Net) saveAs(path string, meta map[string]string, training, ema bool) error {
	spec, err := json.Marshal(n.plan.Spec)
	if err != nil {
		return fmt.Errorf("model: encoding spec: %w", err)
	}
	all := maps.Clone(meta)
	if all == nil {
		all = map[string]string{}
	}
	for k := range all {
		for _, p := range reservedMeta {
			if strings.HasPrefix(k, p) {
				return fmt.Errorf("model: checkpoint metadata key %q is reserved", k)
			}
		}
	}
	all[MetaSpec] = string(spec)
	all[MetaSeed] = strconv.FormatUint(n.seed, 10)
	all[MetaKind] = "weights"
	ts := n.Params()
	if ema {
		ts = n.EMAParams()
		all[MetaWeights] = "ema"
	} else if n.ema != nil {
		all[MetaWeights] = "raw"
	}
	if training {
		st, sm := n.opt.stateTensors(n.infos)
		ts = append(ts, st...)
		maps.Copy(all, sm)
		all[MetaKind] = "training"
		if n.opt.kind() != OptAdam { // checkpoints without the key hold Adam state, as before
			all[MetaOptimizer] = n.opt.kind()
		}
		if n.opts.LabelSmoothing != 0 {
			all[metaSmoothing] = strconv.FormatFloat(n.opts.LabelSmoothing, 'g', -1, 64)
		}
		if n.ema != nil {
			for i, pi := range n.infos {
				ts = append(ts, safetensors.Tensor{Name: "ema/" + pi.Name, Shape: pi.Shape, Data: n.ema[i]})
			}
			all["ema.decay"] = strconv.FormatFloat(n.opts.EMADecay, 'g', -1, 64)
		}
	}
	return safetensors.WriteSafetensors(path, ts, all)
}

// Load rebuilds a net from a checkpoint written by SaveWeights or SaveTraining (restoring the optimizer
// state and the weight average when present) and returns the checkpoint's metadata. A restored net
// trains with its checkpoint's optimizer; Configure sets the hyperparameters.
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
		if stateTensor(t.Name) {
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
		if err := n.restoreTraining(byName, meta); err != nil {
			return nil, nil, fmt.Errorf("model: %s: %w", path, err)
		}
	}
	return n, meta, nil
}

// restoreTraining sets the optimizer (kind, hyperparameters and state) and the weight average from a
// training checkpoint's state tensors and metadata.
func (n *Net) restoreTraining(byName map[string]safetensors.Tensor, meta map[string]string) error {
	kind := meta[MetaOptimizer]
	if kind == "" {
		kind = OptAdam
	}
	opt, err := newOptimizer(kind, n.infos)
	if err != nil {
		return err
	}
	if err := opt.setState(n.infos, byName, meta); err != nil {
		return err
	}
	n.opt, n.opts.Optimizer = opt, kind
	if raw, ok := meta[metaSmoothing]; ok {
		eps, err := strconv.ParseFloat(raw, 64)
		if err != nil || !(eps > 0 && eps < 1) {
			return fmt.Errorf("model: checkpoint metadata %s must be in (0, 1), got %q", metaSmoothing, raw)
		}
		n.opts.LabelSmoothing = eps
	}
	if w, ok := opt.(*adamW); ok {
		w.wd, _ = strconv.ParseFloat(meta["adam.weight_decay"], 64)
		n.opts.WeightDecay = w.wd
	}
	if s, ok := opt.(*sgd); ok {
		s.momentum, _ = strconv.ParseFloat(meta["sgd.momentum"], 64)
		s.nesterov = meta["sgd.nesterov"] == "true"
		s.wd, _ = strconv.ParseFloat(meta["sgd.weight_decay"], 64)
		n.opts.Momentum, n.opts.Nesterov, n.opts.WeightDecay = s.momentum, s.nesterov, s.wd
	}
	raw, ok := meta["ema.decay"]
	if !ok {
		return nil
	}
	d, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(d > 0 && d < 1) {
		return fmt.Errorf("model: checkpoint metadata ema.decay must be in (0, 1), got %q", raw)
	}
	n.ema = make([][]float32, len(n.infos))
	for i, pi := range n.infos {
		n.ema[i] = make([]float32, pi.Size())
		if err := restoreTensor(byName, "ema/"+pi.Name, n.ema[i]); err != nil {
			return err
		}
	}
	n.opts.EMADecay = d
	return nil
}
