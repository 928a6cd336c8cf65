package model

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"gorgonia.org/tensor"

	"inceptionlab/model/arch"
	"inceptionlab/model/internal/optim"
	"inceptionlab/model/safetensors"
)

// Optimizer names accepted by TrainOptions.Optimizer.
const (
	OptAdam  = "adam"  // Adam in the Keras form (see Adam); the default
	OptAdamW = "adamw" // Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's AdamW order
	OptSGD   = "sgd"   // SGD with momentum (plain or Nesterov) and L2 weight decay, PyTorch's form
)

// Optimizers lists the valid optimizer names.
var Optimizers = []string{OptAdam, OptAdamW, OptSGD}

// MetaOptimizer is the checkpoint metadata key naming the optimizer whose state a training checkpoint
// holds; checkpoints without it hold Adam state.
const MetaOptimizer = "inceptionlab.optimizer"

// MetaWeights says which weights a weights checkpoint holds: "raw" (the trained parameters) or "ema"
// (their exponential moving average).
const MetaWeights = "inceptionlab.weights"

// TrainOptions is how a Net trains, apart from the architecture (Spec) and the learning rate (given to
// every TrainStep). The zero value is Adam without weight decay, smoothing or averaging: what a net
// trains with unless Configure says otherwise.
type TrainOptions struct {
	Optimizer      string  // OptAdam (also when empty), OptAdamW or OptSGD
	Momentum       float64 // sgd: in [0, 1); 0 = plain gradient descent
	Nesterov       bool    // sgd: Nesterov momentum (needs Momentum > 0)
	WeightDecay    float64 // sgd: L2 term wd*w added to the gradient; adamw: decoupled w *= 1 - lr*wd
	LabelSmoothing float64 // in [0, 1): the training loss's targets become (1-eps)*onehot + eps/K
	EMADecay       float64 // in [0, 1): keep an exponential moving average of the weights (0 = off)
}

// validate checks the options' ranges.
func (o TrainOptions) validate() error {
	if o.Optimizer != "" && !slices.Contains(Optimizers, o.Optimizer) {
		return fmt.Errorf("model: optimizer %q is not one of %v", o.Optimizer, Optimizers)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"momentum", o.Momentum}, {"label smoothing", o.LabelSmoothing}, {"EMA decay", o.EMADecay}} {
		if !(f.v >= 0 && f.v < 1) {
			return fmt.Errorf("model: %s must be in [0, 1), got %v", f.name, f.v)
		}
	}
	if !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 0) {
		return fmt.Errorf("model: weight decay must be >= 0, got %v", o.WeightDecay)
	}
	if o.Nesterov && o.Momentum == 0 {
		return fmt.Errorf("model: Nesterov momentum needs a momentum > 0")
	}
	if o.Optimizer != OptSGD && (o.Momentum != 0 || o.Nesterov) {
		return fmt.Errorf("model: momentum and nesterov are SGD settings, not %s's", o.kind())
	}
	if o.kind() == OptAdam && o.WeightDecay != 0 {
		return fmt.Errorf("model: adam has no weight decay; use adamw (decoupled) or sgd (L2)")
	}
	return nil
}

func (o TrainOptions) kind() string {
	if o.Optimizer == "" {
		return OptAdam
	}
	return o.Optimizer
}

// optimizer is one update rule with its explicit state, so a checkpoint can save it.
type optimizer interface {
	kind() string
	steps() int64
	update(lr float64, params []*tensor.Dense, grads [][]float32)
	stateTensors(infos []arch.ParamInfo) ([]safetensors.Tensor, map[string]string)
	setState(infos []arch.ParamInfo, byName map[string]safetensors.Tensor, meta map[string]string) error
}

// adamOpt is optim.Adam as an optimizer.
type adamOpt struct{ *optim.Adam }

func (a adamOpt) kind() string { return OptAdam }
func (a adamOpt) steps() int64 { return a.T }
func (a adamOpt) update(lr float64, params []*tensor.Dense, grads [][]float32) {
	a.Update(lr, params, grads)
}
func (a adamOpt) stateTensors(infos []arch.ParamInfo) ([]safetensors.Tensor, map[string]string) {
	return a.StateTensors(infos)
}
func (a adamOpt) setState(infos []arch.ParamInfo, byName map[string]safetensors.Tensor, meta map[string]string) error {
	return a.SetState(infos, byName, meta)
}

// adamW is Adam with decoupled weight decay: every step first shrinks the weights by 1 - lr*wd, then
// applies the Adam update (torch.optim.AdamW's order; with Keras' placement of epsilon, see optim.Adam).
type adamW struct {
	adamOpt
	wd float64
}

func (a *adamW) kind() string { return OptAdamW }
func (a *adamW) stateTensors(infos []arch.ParamInfo) ([]safetensors.Tensor, map[string]string) {
	ts, meta := a.adamOpt.stateTensors(infos)
	meta["adam.weight_decay"] = strconv.FormatFloat(a.wd, 'g', -1, 64)
	return ts, meta
}
func (a *adamW) update(lr float64, params []*tensor.Dense, grads [][]float32) {
	if a.wd != 0 {
		keep := float32(1 - lr*a.wd)
		optim.Parallel(optim.Chunks(tensorSizes(params)), func(c optim.Chunk) {
			optim.DecayStep(params[c.I].Float32s()[c.Lo:c.Hi], keep)
		})
	}
	a.adamOpt.update(lr, params, grads)
}

// sgd is stochastic gradient descent with momentum, torch.optim.SGD's update (see optim.SGDStep).
type sgd struct {
	t        int64
	momentum float64
	nesterov bool
	wd       float64
	buf      [][]float32 // momentum buffers, ParamInfos order
}

func newSGD(infos []arch.ParamInfo) *sgd {
	s := &sgd{}
	for _, pi := range infos {
		s.buf = append(s.buf, make([]float32, pi.Size()))
	}
	return s
}

func (s *sgd) kind() string { return OptSGD }
func (s *sgd) steps() int64 { return s.t }
func (s *sgd) update(lr float64, params []*tensor.Dense, grads [][]float32) {
	s.t++
	lr32, mu, wd := float32(lr), float32(s.momentum), float32(s.wd)
	optim.Parallel(optim.Chunks(tensorSizes(params)), func(c optim.Chunk) {
		w := params[c.I].Float32s()[c.Lo:c.Hi]
		optim.SGDStep(w, grads[c.I][c.Lo:c.Hi], s.buf[c.I][c.Lo:c.Hi], lr32, mu, wd, s.nesterov)
	})
}

func (s *sgd) stateTensors(infos []arch.ParamInfo) ([]safetensors.Tensor, map[string]string) {
	var ts []safetensors.Tensor
	for i, pi := range infos {
		ts = append(ts, safetensors.Tensor{Name: "sgd/buf/" + pi.Name, Shape: pi.Shape, Data: s.buf[i]})
	}
	return ts, map[string]string{
		"sgd.t":            strconv.FormatInt(s.t, 10),
		"sgd.momentum":     strconv.FormatFloat(s.momentum, 'g', -1, 64),
		"sgd.nesterov":     strconv.FormatBool(s.nesterov),
		"sgd.weight_decay": strconv.FormatFloat(s.wd, 'g', -1, 64),
	}
}

func (s *sgd) setState(infos []arch.ParamInfo, byName map[string]safetensors.Tensor, meta map[string]string) error {
	t, err := strconv.ParseInt(meta["sgd.t"], 10, 64)
	if err != nil || t < 0 {
		return fmt.Errorf("model: checkpoint metadata sgd.t must be a step count, got %q", meta["sgd.t"])
	}
	for i, pi := range infos {
		if err := restoreTensor(byName, "sgd/buf/"+pi.Name, s.buf[i]); err != nil {
			return err
		}
	}
	s.t = t
	return nil
}

// restoreTensor copies the state tensor name into dst, which it must match in size.
func restoreTensor(byName map[string]safetensors.Tensor, name string, dst []float32) error {
	src, ok := byName[name]
	if !ok {
		return fmt.Errorf("model: checkpoint has no optimizer tensor %q", name)
	}
	if len(src.Data) != len(dst) {
		return fmt.Errorf("model: optimizer tensor %q has %d values, want %d", name, len(src.Data), len(dst))
	}
	copy(dst, src.Data)
	return nil
}

func tensorSizes(ts []*tensor.Dense) []int {
	sizes := make([]int, len(ts))
	for i, t := range ts {
		sizes[i] = t.Shape().TotalSize()
	}
	return sizes
}

// newOptimizer returns a fresh optimizer of the given kind.
func newOptimizer(kind string, infos []arch.ParamInfo) (optimizer, error) {
	switch kind {
	case OptAdam, "":
		return adamOpt{optim.NewAdam(infos)}, nil
	case OptAdamW:
		return &adamW{adamOpt: adamOpt{optim.NewAdam(infos)}}, nil
	case OptSGD:
		return newSGD(infos), nil
	}
	return nil, fmt.Errorf("model: optimizer %q is not one of %v", kind, Optimizers)
}

// Configure sets how the net trains. A net that has not taken a step yet gets a fresh optimizer of the
// requested kind; one that has (a resumed checkpoint) keeps its optimizer state and takes the new
// hyperparameters, which must then name the same optimizer. Turning the weight average on starts it
// from the current weights; a net whose checkpoint carried an average keeps it. Changing the label
// smoothing recompiles the training graphs on their next use.
func (n *Net) Configure(o TrainOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.kind() != n.opt.kind() {
		if n.opt.steps() > 0 {
			return fmt.Errorf("model: the net has taken %d %s steps; it cannot continue with %s", n.opt.steps(), n.opt.kind(), o.kind())
		}
		opt, err := newOptimizer(o.kind(), n.infos)
		if err != nil {
			return err
		}
		n.opt = opt
	}
	switch opt := n.opt.(type) {
	case *adamW:
		opt.wd = o.WeightDecay
	case *sgd:
		opt.momentum, opt.nesterov, opt.wd = o.Momentum, o.Nesterov, o.WeightDecay
	}
	if o.LabelSmoothing != n.opts.LabelSmoothing {
		for _, gs := range n.train {
			for _, g := range gs {
				g.vm.Close()
			}
		}
		n.train = map[int][]*graph{}
	}
	switch {
	case o.EMADecay == 0:
		n.ema = nil
	case n.ema == nil:
		if n.opt.steps() > 0 {
			return fmt.Errorf("model: the net has taken %d steps without a weight average; it cannot start one now", n.opt.steps())
		}
		n.ema = make([][]float32, len(n.values))
		for i, v := range n.values {
			n.ema[i] = slices.Clone(v.Data().([]float32))
		}
	}
	n.opts = o
	n.opts.Optimizer = o.kind()
	return nil
}

// Options returns the training options in effect.
func (n *Net) Options() TrainOptions { return n.opts }

// HasEMA reports whether the net keeps a moving average of its weights.
func (n *Net) HasEMA() bool { return n.ema != nil }

// updateEMA folds the current weights into the average after optimizer step t (1-based).
func (n *Net) updateEMA(t int64) {
	if n.ema == nil {
		return
	}
	d := float32(optim.EMADecay(n.opts.EMADecay, t))
	optim.Parallel(optim.Chunks(tensorSizes(n.values)), func(c optim.Chunk) {
		optim.EMAStep(n.ema[c.I][c.Lo:c.Hi], n.values[c.I].Float32s()[c.Lo:c.Hi], d)
	})
}

// WithEMA runs fn with the averaged weights in place of the trained ones (Forward then predicts with
// the average) and puts the trained weights back afterwards, bit for bit, even when fn fails.
func (n *Net) WithEMA(fn func() error) error {
	if n.ema == nil {
		return fmt.Errorf("model: the net keeps no weight average (train.ema.decay is 0)")
	}
	n.swapEMA()
	defer n.swapEMA()
	return fn()
}

func (n *Net) swapEMA() {
	n.version++
	for i, v := range n.values {
		w := v.Float32s()
		for j := range w {
			w[j], n.ema[i][j] = n.ema[i][j], w[j]
		}
	}
}

// EMAParams returns copies of the averaged weights in ParamInfos order (nil without an average).
func (n *Net) EMAParams() []safetensors.Tensor {
	if n.ema == nil {
		return nil
	}
	out := make([]safetensors.Tensor, len(n.infos))
	for i, pi := range n.infos {
		out[i] = safetensors.Tensor{Name: pi.Name, Shape: slices.Clone(pi.Shape), Data: slices.Clone(n.ema[i])}
	}
	return out
}
