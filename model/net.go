package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"inceptionlab/model/arch"
	"inceptionlab/model/internal/ops"
	"inceptionlab/model/internal/optim"
	"inceptionlab/model/safetensors"
)

// Net is a GoogLeNet with its parameters and optimizer state, ready to train and predict. The parameters
// live in one set of tensors shared by every compiled graph: a training graph (aux heads, dropout, loss and
// gradients) and an inference graph (main head only, no dropout) per batch size, compiled on first use.
//
// A Net is not safe for concurrent use.
type Net struct {
	plan   *arch.Plan
	infos  []arch.ParamInfo
	values []*tensor.Dense // parameter storage, ParamInfos order
	opt    optimizer
	opts   TrainOptions
	ema    [][]float32 // moving average of values (nil = off)
	seed   uint64

	train map[int]*graph
	eval  map[int]*graph

	dropSrc *rand.PCG // dropout randomness, reseeded from (seed, step) before every training step
	dropRNG *rand.Rand
}

// graph is one compiled gorgonia graph for a fixed batch size.
type graph struct {
	g      *G.ExprGraph
	batch  int
	xT, yT *tensor.Dense // input and label storage bound to the graph's input nodes
	logits *G.Node       // main head logits (N, K)
	losses []*G.Node     // per head cross-entropy (training)
	loss   *G.Node       // weighted total (training)
	params []*G.Node     // ParamInfos order
	vm     G.VM
	slots  []*ops.OutSlot // outputs the graph's ops keep across runs (see ownedOutputs)
}

// StepResult reports one training step.
type StepResult struct {
	Loss       float64   // weighted total: CE(main) + aux weight * sum CE(aux)
	MainLoss   float64   // CE of the main head
	AuxLosses  []float64 // CE of each aux head (empty without aux heads)
	Correct    int       // main-head top-1 hits in the batch
	Correct5   int       // main-head top-5 hits in the batch
	BatchCount int
}

// New builds a Net for spec with parameters initialised from seed (spec.Init decides how).
func New(spec arch.Spec, seed uint64) (*Net, error) {
	plan, err := arch.NewPlan(spec)
	if err != nil {
		return nil, err
	}
	params, err := arch.InitParams(plan, rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)))
	if err != nil {
		return nil, err
	}
	return newNet(plan, params, seed)
}

func newNet(plan *arch.Plan, params []safetensors.Tensor, seed uint64) (*Net, error) {
	if err := plan.CheckTensors(params); err != nil {
		return nil, err
	}
	byName := map[string]safetensors.Tensor{}
	for _, t := range params {
		byName[t.Name] = t
	}
	n := &Net{plan: plan, infos: plan.ParamInfos(), seed: seed,
		train: map[int]*graph{}, eval: map[int]*graph{}}
	n.dropSrc = rand.NewPCG(seed, 0)
	n.dropRNG = rand.New(n.dropSrc)
	for _, pi := range n.infos {
		data := slices.Clone(byName[pi.Name].Data)
		n.values = append(n.values, tensor.New(tensor.WithShape(pi.Shape...), tensor.WithBacking(data)))
	}
	n.opt = adamOpt{optim.NewAdam(n.infos)}
	n.opts.Optimizer = OptAdam
	return n, nil
}

// Plan returns the layer plan the net was built from.
func (n *Net) Plan() *arch.Plan { return n.plan }

// Spec returns the network description.
func (n *Net) Spec() arch.Spec { return n.plan.Spec }

// Params returns the current parameters (copies) in ParamInfos order.
func (n *Net) Params() []safetensors.Tensor {
	out := make([]safetensors.Tensor, len(n.infos))
	for i, pi := range n.infos {
		out[i] = safetensors.Tensor{Name: pi.Name, Shape: slices.Clone(pi.Shape), Data: slices.Clone(n.values[i].Data().([]float32))}
	}
	return out
}

// SetParams replaces every parameter (names and shapes must match the plan exactly).
func (n *Net) SetParams(ts []safetensors.Tensor) error {
	if err := n.plan.CheckTensors(ts); err != nil {
		return err
	}
	idx := map[string]int{}
	for i, pi := range n.infos {
		idx[pi.Name] = i
	}
	for _, t := range ts {
		copy(n.values[idx[t.Name]].Data().([]float32), t.Data)
	}
	return nil
}

// Step is the number of optimizer steps taken so far.
func (n *Net) Step() int64 { return n.opt.steps() }

// GraphParamCount compiles the training graph for batch 1 (if needed) and counts the elements of its
// parameter nodes: the number that must equal Plan.TotalParams(true).
func (n *Net) GraphParamCount() (int64, error) {
	g, err := n.graph(1, true)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range g.params {
		total += int64(p.Shape().TotalSize())
	}
	return total, nil
}

// TrainStep runs forward and backward on one batch (x in NCHW order, len(labels) images) and applies one
// optimizer step with learning rate lr (Adam unless Configure chose another), then updates the weight
// average when there is one.
func (n *Net) TrainStep(x []float32, labels []int, lr float64) (StepResult, error) {
	batch := len(labels)
	g, err := n.graph(batch, true)
	if err != nil {
		return StepResult{}, err
	}
	if err := g.load(n.plan, x, labels); err != nil {
		return StepResult{}, err
	}
	// Dropout masks depend only on (seed, step): a resumed run draws the same masks as an uninterrupted one.
	n.dropSrc.Seed(n.seed, uint64(n.opt.steps()+1))
	defer g.vm.Reset()
	if err := g.vm.RunAll(); err != nil {
		return StepResult{}, fmt.Errorf("model: training step: %w", err)
	}
	res := StepResult{BatchCount: batch, Loss: scalar(g.loss.Value()), MainLoss: scalar(g.losses[0].Value())}
	for _, l := range g.losses[1:] {
		res.AuxLosses = append(res.AuxLosses, scalar(l.Value()))
	}
	if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
		return res, fmt.Errorf("model: training step %d: loss is %v (diverged; try a lower train.lr)", n.opt.steps()+1, res.Loss)
	}
	res.Correct, res.Correct5 = TopK(g.logits.Value().Data().([]float32), labels, n.plan.Spec.NumClasses)
	grads := make([][]float32, len(g.params))
	for i, p := range g.params {
		gv, err := p.Grad()
		if err != nil {
			return res, fmt.Errorf("model: no gradient for %s: %w", n.infos[i].Name, err)
		}
		grads[i] = gv.Data().([]float32)
	}
	n.opt.update(lr, n.values, grads)
	n.updateEMA(n.opt.steps())
	return res, nil
}

// Forward runs inference (main head only, no dropout) on batch images of x (NCHW) and returns the logits,
// batch x NumClasses.
func (n *Net) Forward(x []float32, batch int) ([]float32, error) {
	g, err := n.graph(batch, false)
	if err != nil {
		return nil, err
	}
	if err := g.load(n.plan, x, nil); err != nil {
		return nil, err
	}
	defer g.vm.Reset()
	if err := g.vm.RunAll(); err != nil {
		return nil, fmt.Errorf("model: forward: %w", err)
	}
	return slices.Clone(g.logits.Value().Data().([]float32)), nil
}

// TopK counts top-1 and top-5 hits of logits (rows of k classes) against labels. Ties count against the
// label: a class scoring equal to the label's score and listed before it ranks ahead.
func TopK(logits []float32, labels []int, k int) (top1, top5 int) {
	for i, y := range labels {
		row := logits[i*k : (i+1)*k]
		ly := row[y]
		rank := 0
		for j, v := range row {
			if v > ly || (v == ly && j < y) {
				rank++
			}
		}
		if rank == 0 {
			top1++
		}
		if rank < 5 {
			top5++
		}
	}
	return top1, top5
}

func scalar(v G.Value) float64 {
	switch s := v.Data().(type) {
	case float32:
		return float64(s)
	case float64:
		return s
	case []float32:
		return float64(s[0])
	}
	return math.NaN()
}

// load copies one batch into the graph's bound input tensors.
func (g *graph) load(plan *arch.Plan, x []float32, labels []int) error {
	in := plan.Layers[0].Out
	if want := g.batch * in.Size(); len(x) != want {
		return fmt.Errorf("model: batch of %d images %dx%dx%d needs %d values, got %d", g.batch, in.C, in.H, in.W, want, len(x))
	}
	copy(g.xT.Data().([]float32), x)
	if g.yT != nil {
		y := g.yT.Data().([]float32)
		for i, l := range labels {
			if l < 0 || l >= plan.Spec.NumClasses {
				return fmt.Errorf("model: label %d of image %d is outside [0, %d)", l, i, plan.Spec.NumClasses)
			}
			y[i] = float32(l)
		}
	}
	return nil
}

// graph returns the compiled training or inference graph for batch, building it on first use.
func (n *Net) graph(batch int, train bool) (*graph, error) {
	cache := n.eval
	if train {
		cache = n.train
	}
	if g, ok := cache[batch]; ok {
		return g, nil
	}
	if batch < 1 {
		return nil, fmt.Errorf("model: batch size must be >= 1, got %d", batch)
	}
	g, err := n.build(batch, train)
	if err != nil {
		return nil, err
	}
	cache[batch] = g
	return g, nil
}

// build interprets the plan as a gorgonia graph. Every layer's output shape is checked against the plan,
// naming the layer on mismatch.
func (n *Net) build(batch int, train bool) (*graph, error) {
	plan := n.plan
	gr := &graph{g: G.NewGraph(), batch: batch}
	in := plan.Layers[0].Out
	gr.xT = tensor.New(tensor.WithShape(batch, in.C, in.H, in.W), tensor.Of(tensor.Float32))
	x := G.NewTensor(gr.g, tensor.Float32, 4, G.WithShape(batch, in.C, in.H, in.W), G.WithName("input"), G.WithValue(gr.xT))

	pnode := map[string]*G.Node{}
	param := func(name string) *G.Node {
		if p, ok := pnode[name]; ok {
			return p
		}
		for i, pi := range n.infos {
			if pi.Name == name {
				p := G.NewTensor(gr.g, tensor.Float32, len(pi.Shape), G.WithShape(pi.Shape...), G.WithName(name), G.WithValue(n.values[i]))
				pnode[name] = p
				return p
			}
		}
		return nil
	}

	var budget *ops.ColBudget // column caches: only a training graph has filter gradients to use them
	if train {
		budget = ops.NewColBudget()
	}
	nodes := make([]*G.Node, len(plan.Layers))
	for i, l := range plan.Layers {
		if plan.Aux[i] && !train {
			continue
		}
		var ins []*G.Node
		for _, j := range l.Inputs {
			ins = append(ins, nodes[j])
		}
		var err error
		var y *G.Node
		switch l.Kind {
		case arch.KindInput:
			y = x
		case arch.KindConv:
			y, err = ops.Conv2d(ins[0], param(l.Name+"/w"), param(l.Name+"/b"), l.Stride, l.Pad, l.ReLU, budget)
		case arch.KindMaxPool:
			y, err = ops.MaxPool2d(ins[0], l.K, l.Stride, l.Pad)
		case arch.KindAvgPool:
			y, err = ops.AvgPool2d(ins[0], l.K, l.Stride)
		case arch.KindAdaptive:
			y, err = ops.AdaptiveAvgPool2d(ins[0], l.Out.H, l.Out.W)
		case arch.KindConcat:
			y, err = ops.ConcatChannels(ins...)
		case arch.KindDropout:
			if train {
				y, err = ops.Dropout(ins[0], l.Rate, n.dropRNG)
			} else {
				y = ins[0]
			}
		case arch.KindDense:
			y, err = ops.Dense(ins[0], param(l.Name+"/w"), param(l.Name+"/b"), l.ReLU)
		default:
			err = fmt.Errorf("unknown layer kind %d", l.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("model: building %s: %w", l.Name, err)
		}
		want := []int{batch, l.Out.C, l.Out.H, l.Out.W}
		if y.Dims() == 2 { // dense layers (and the dropout after them) keep (N, features)
			want = []int{batch, l.Out.Size()}
		}
		if !slices.Equal([]int(y.Shape()), want) {
			return nil, fmt.Errorf("model: building %s: output shape %v, plan says %v", l.Name, y.Shape(), want)
		}
		nodes[i] = y
	}
	gr.logits = nodes[plan.Heads[0].Layer]
	for _, pi := range n.infos {
		if train || !plan.Aux[pi.Layer] {
			gr.params = append(gr.params, pnode[pi.Name])
		}
	}
	if !train {
		gr.slots = ops.OwnedOutputs(gr.g.AllNodes())
		gr.vm = G.NewTapeMachine(gr.g)
		if order, ok := execOrder(gr.g, gr.vm); ok {
			shareBuffers(gr.vm, order, G.Nodes{gr.logits})
		}
		return gr, nil
	}

	gr.yT = tensor.New(tensor.WithShape(batch), tensor.Of(tensor.Float32))
	y := G.NewTensor(gr.g, tensor.Float32, 1, G.WithShape(batch), G.WithName("labels"), G.WithValue(gr.yT))
	for _, h := range plan.Heads {
		ce, err := ops.SmoothedCrossEntropy(nodes[h.Layer], y, n.opts.LabelSmoothing)
		if err != nil {
			return nil, fmt.Errorf("model: loss of head %s: %w", h.Name, err)
		}
		gr.losses = append(gr.losses, ce)
	}
	var err error
	if gr.loss, err = ops.WeightedLoss(gr.losses[0], gr.losses[1:], plan.Spec.Aux.Weight); err != nil {
		return nil, err
	}
	grads, err := G.Grad(gr.loss, gr.params...)
	if err != nil {
		return nil, fmt.Errorf("model: building gradients: %w", err)
	}
	// Compile only what the loss and the parameter gradients need: Grad also leaves the gradient with
	// respect to the input image in the graph (conv1's backward-data, ~118M MACs per image at 224).
	// Ops keep their outputs across steps: TrainStep reads the loss, logits and gradients before the
	// next run and copies nothing out that outlives it.
	gr.slots = ops.OwnedOutputs(gr.g.AllNodes())
	sub := gr.g.SubgraphRoots(append(G.Nodes{gr.loss}, grads...)...)
	gr.vm = G.NewTapeMachine(sub)
	if order, ok := execOrder(sub, gr.vm); ok {
		shareBuffers(gr.vm, order, append(append(G.Nodes{gr.loss, gr.logits}, gr.losses...), grads...))
	}
	return gr, nil
}
