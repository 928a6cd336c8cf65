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
	"inceptionlab/model/internal/par"
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

	train map[int][]*graph // by batch size: the instances, one per concurrently running part of that size
	eval  map[int][]*graph
	packs *ops.PackShare // lets the parts of a batch pack each convolution's filters once
	// version of the weights in values: changed by everything that writes them, so that inference
	// runs may keep packed filters for as long as it stays (see ops.PackShare.BeginFrozen)
	version uint64
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

	dropSrc *rand.PCG // dropout randomness, reseeded from (seed, step, part) before every training step

	cacheBytes int64 // the column-cache budget the graph was built with (training graphs)
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
	n := &Net{plan: plan, infos: plan.ParamInfos(), seed: seed, packs: ops.NewPackShare(),
		train: map[int][]*graph{}, eval: map[int][]*graph{}}
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
	n.version++
	return nil
}

// Step is the number of optimizer steps taken so far.
func (n *Net) Step() int64 { return n.opt.steps() }

// GraphParamCount compiles the training graph for batch 1 (if needed) and counts the elements of its
// parameter nodes: the number that must equal Plan.TotalParams(true).
func (n *Net) GraphParamCount() (int64, error) {
	g, err := n.graph(1, true, 0)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range g.params {
		total += int64(p.Shape().TotalSize())
	}
	return total, nil
}

// splitMin is the smallest batch that a step splits into parts (see splitBatch). Tests lower or raise it to
// compare a split batch with the whole one; nothing else changes it.
var splitMin = 16

// splitBatch returns the sizes of the parts a batch of n images is computed in: two halves from splitMin
// images on, else the whole batch. The parts run concurrently on separate graphs, each op of each part
// still spread over all cores. A single graph leaves a core idle in every op too small or too serial to
// split (most of a step at small feature maps); two graphs in flight fill those gaps. The split depends
// on the batch size only, never on the number of cores, so results do not depend on the thread count.
func splitBatch(n int) []int {
	if n < splitMin {
		return []int{n}
	}
	return []int{n / 2, n - n/2}
}

// partsOf returns the compiled graphs and the batch sizes of the parts of a batch of n images.
func (n *Net) partsOf(batch int, train bool) ([]*graph, []int, error) {
	sizes := splitBatch(batch)
	gs := make([]*graph, len(sizes))
	seen := map[int]int{}
	for i, sz := range sizes {
		g, err := n.graphOf(sz, train, seen[sz], len(sizes))
		if err != nil {
			return nil, nil, err
		}
		seen[sz]++
		gs[i] = g
	}
	return gs, sizes, nil
}

// runParts runs every graph's machine, the first in the calling goroutine and the others concurrently,
// and returns the first error in part order. The caller starts the generation of n.packs the graphs
// share their packed filters in (Begin for training, BeginFrozen for inference).
func runParts(gs []*graph) error {
	errs := make([]error, len(gs))
	par.Do(len(gs), func(i int) { errs[i] = gs[i].vm.RunAll() })
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TrainStep runs forward and backward on one batch (x in NCHW order, len(labels) images) and applies one
// optimizer step with learning rate lr (Adam unless Configure chose another), then updates the weight
// average when there is one. A batch of splitMin (16) images or more is computed as two halves at once (see
// splitBatch); the loss and gradient are then the halves' weighted by their share of the batch, which is
// what one graph would compute, up to float32 rounding.
func (n *Net) TrainStep(x []float32, labels []int, lr float64) (StepResult, error) {
	batch := len(labels)
	gs, sizes, err := n.loadParts(x, labels, batch, true)
	if err != nil {
		return StepResult{}, err
	}
	defer resetParts(gs)
	n.packs.Begin(len(gs))
	if err := runParts(gs); err != nil {
		return StepResult{}, fmt.Errorf("model: training step: %w", err)
	}
	res := StepResult{BatchCount: batch}
	share := make([]float64, len(gs))
	off := 0
	for i, g := range gs {
		share[i] = float64(sizes[i]) / float64(batch)
		res.Loss += share[i] * scalar(g.loss.Value())
		res.MainLoss += share[i] * scalar(g.losses[0].Value())
		for j, l := range g.losses[1:] {
			if i == 0 {
				res.AuxLosses = append(res.AuxLosses, 0)
			}
			res.AuxLosses[j] += share[i] * scalar(l.Value())
		}
		c1, c5 := TopK(f32s(g.logits.Value()), labels[off:off+sizes[i]], n.plan.Spec.NumClasses)
		res.Correct, res.Correct5 = res.Correct+c1, res.Correct5+c5
		off += sizes[i]
	}
	if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
		return res, fmt.Errorf("model: training step %d: loss is %v (diverged; try a lower train.lr)", n.opt.steps()+1, res.Loss)
	}
	grads := make([][][]float32, len(gs))
	for k, g := range gs {
		grads[k] = make([][]float32, len(g.params))
		for i, p := range g.params {
			gv, err := p.Grad()
			if err != nil {
				return res, fmt.Errorf("model: no gradient for %s: %w", n.infos[i].Name, err)
			}
			grads[k][i] = f32s(gv)
		}
	}
	if len(gs) > 1 {
		combineGrads(grads, share)
	}
	n.opt.update(lr, n.values, grads[0])
	n.version++
	n.updateEMA(n.opt.steps())
	return res, nil
}

// combineGrads overwrites the first part's gradients with the weighted sum of all parts' (weights share,
// summed in part order), on all cores; the first part's buffers are recomputed by its next run.
func combineGrads(grads [][][]float32, share []float64) {
	sizes := make([]int, len(grads[0]))
	for i, g := range grads[0] {
		sizes[i] = len(g)
	}
	w := make([]float32, len(share))
	for k, s := range share {
		w[k] = float32(s)
	}
	optim.Parallel(optim.Chunks(sizes), func(c optim.Chunk) {
		dst := grads[0][c.I][c.Lo:c.Hi]
		for j := range dst {
			dst[j] *= w[0]
		}
		for k := 1; k < len(grads); k++ {
			src := grads[k][c.I][c.Lo:c.Hi]
			src = src[:len(dst)]
			for j, v := range src {
				dst[j] += w[k] * v
			}
		}
	})
}

// loadParts checks that x holds batch images of the input shape, and loads them (and, for training,
// labels) into the graphs of the batch's parts (see splitBatch). A training part's dropout is seeded
// from (seed, step, part), so a resumed run draws the same masks as an uninterrupted one.
func (n *Net) loadParts(x []float32, labels []int, batch int, train bool) ([]*graph, []int, error) {
	in := n.plan.Layers[0].Out
	per := in.Size()
	if batch >= 1 && len(x) != batch*per {
		return nil, nil, fmt.Errorf("model: batch of %d images %dx%dx%d needs %d values, got %d", batch, in.C, in.H, in.W, batch*per, len(x))
	}
	gs, sizes, err := n.partsOf(batch, train)
	if err != nil {
		return nil, nil, err
	}
	off := 0
	for i, g := range gs {
		var ls []int
		if train {
			ls = labels[off : off+sizes[i]]
			g.dropSrc.Seed(n.seed+uint64(i)*0x9e3779b97f4a7c15, uint64(n.opt.steps()+1))
		}
		if err := g.load(n.plan, x[off*per:(off+sizes[i])*per], ls, off); err != nil {
			return nil, nil, err
		}
		off += sizes[i]
	}
	return gs, sizes, nil
}

// resetParts resets the machines of a batch's parts after their run.
func resetParts(gs []*graph) {
	for _, g := range gs {
		g.vm.Reset()
	}
}

// Forward runs inference (main head only, no dropout) on batch images of x (NCHW) and returns the logits,
// batch x NumClasses. Like TrainStep, a batch of splitMin images or more runs as two concurrent halves.
func (n *Net) Forward(x []float32, batch int) ([]float32, error) {
	gs, _, err := n.loadParts(x, nil, batch, false)
	if err != nil {
		return nil, err
	}
	defer resetParts(gs)
	n.packs.BeginFrozen(len(gs), n.version) // the filters packed for the last batch serve this one
	if err := runParts(gs); err != nil {
		return nil, fmt.Errorf("model: forward: %w", err)
	}
	out := make([]float32, 0, batch*n.plan.Spec.NumClasses)
	for _, g := range gs {
		out = append(out, f32s(g.logits.Value())...)
	}
	return out, nil
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

// f32s is the float32 data of a value without Data's two allocations per call (a few hundred per
// step: one per parameter gradient).
func f32s(v G.Value) []float32 {
	if d, ok := v.(*tensor.Dense); ok && d.Dtype() == tensor.Float32 {
		return d.Float32s()
	}
	return v.Data().([]float32)
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

// load copies one part of a batch (its images and, for training, labels; exactly the graph's batch
// size, see loadParts) into the graph's bound input tensors. off is the part's first image in the
// whole batch, for the error naming a bad label.
func (g *graph) load(plan *arch.Plan, x []float32, labels []int, off int) error {
	copy(f32s(g.xT), x)
	if g.yT != nil {
		y := f32s(g.yT)
		for i, l := range labels {
			if l < 0 || l >= plan.Spec.NumClasses {
				return fmt.Errorf("model: label %d of image %d is outside [0, %d)", l, off+i, plan.Spec.NumClasses)
			}
			y[i] = float32(l)
		}
	}
	return nil
}

// graph returns instance inst (0, 1, ... for parts of the same size that run at once) of the compiled
// training or inference graph for batch, building it on first use.
func (n *Net) graph(batch int, train bool, inst int) (*graph, error) {
	return n.graphOf(batch, train, inst, 1)
}

// graphOf is graph for a graph that runs beside parts-1 others: when it is built, its column caches
// get 1/parts of ops.ColCacheBudget, so that the parts together keep what one graph of the whole
// batch would (the caches only save recomputation; results do not depend on them).
func (n *Net) graphOf(batch int, train bool, inst, parts int) (*graph, error) {
	cache := n.eval
	if train {
		cache = n.train
	}
	if inst < len(cache[batch]) {
		return cache[batch][inst], nil
	}
	if batch < 1 {
		return nil, fmt.Errorf("model: batch size must be >= 1, got %d", batch)
	}
	for len(cache[batch]) <= inst {
		g, err := n.build(batch, train, ops.ColCacheBudget/int64(parts))
		if err != nil {
			return nil, err
		}
		cache[batch] = append(cache[batch], g)
	}
	return cache[batch][inst], nil
}

// build interprets the plan as a gorgonia graph. Every layer's output shape is checked against the plan,
// naming the layer on mismatch.
func (n *Net) build(batch int, train bool, cacheBytes int64) (*graph, error) {
	plan := n.plan
	gr := &graph{g: G.NewGraph(), batch: batch, dropSrc: rand.NewPCG(n.seed, 0)}
	dropRNG := rand.New(gr.dropSrc)
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
		budget = ops.NewColBudgetOf(cacheBytes)
		gr.cacheBytes = cacheBytes
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
			y, err = ops.Conv2d(ins[0], param(l.Name+"/w"), param(l.Name+"/b"), l.Stride, l.Pad, l.ReLU, budget, n.packs)
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
				y, err = ops.Dropout(ins[0], l.Rate, dropRNG)
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
		gr.vm = G.NewTapeMachine(gr.g, G.WithEngine(ops.Engine{}))
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
	gr.vm = G.NewTapeMachine(sub, G.WithEngine(ops.Engine{}))
	if order, ok := execOrder(sub, gr.vm); ok {
		shareBuffers(gr.vm, order, append(append(G.Nodes{gr.loss, gr.logits}, gr.losses...), grads...))
	}
	return gr, nil
}
