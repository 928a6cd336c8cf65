package ops

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file is the package's surface for model: the graph constructors, the owned-output slots and the
// column-cache budget. The implementations keep their unexported names (op_*.go).

// Conv2d adds a convolution with bias (and optional fused ReLU); see conv2d.
func Conv2d(x, w, b *G.Node, stride int, pad [4]int, relu bool, budget *ColBudget, packs *PackShare) (*G.Node, error) {
	return conv2d(x, w, b, stride, pad, relu, budget, packs)
}

// MaxPool2d adds a max pooling with explicit padding; see maxPool2d.
func MaxPool2d(x *G.Node, k, stride int, pad [4]int) (*G.Node, error) {
	return maxPool2d(x, k, stride, pad)
}

// AvgPool2d adds an average pooling without padding; see avgPool2d.
func AvgPool2d(x *G.Node, k, stride int) (*G.Node, error) { return avgPool2d(x, k, stride) }

// AdaptiveAvgPool2d adds an adaptive average pooling to an oh x ow map; see adaptiveAvgPool2d.
func AdaptiveAvgPool2d(x *G.Node, oh, ow int) (*G.Node, error) { return adaptiveAvgPool2d(x, oh, ow) }

// ConcatChannels concatenates NCHW tensors along the channel axis; see concatChannels.
func ConcatChannels(xs ...*G.Node) (*G.Node, error) { return concatChannels(xs...) }

// Dropout adds inverted dropout drawing its masks from rng; see dropout.
func Dropout(x *G.Node, rate float64, rng *rand.Rand) (*G.Node, error) { return dropout(x, rate, rng) }

// Dense adds a fully connected layer with bias (and optional fused ReLU); see dense.
func Dense(x, w, b *G.Node, relu bool) (*G.Node, error) { return dense(x, w, b, relu) }

// SoftmaxCrossEntropy adds the mean softmax cross-entropy of logits against one-hot labels.
func SoftmaxCrossEntropy(logits, labels *G.Node) (*G.Node, error) {
	return softmaxCrossEntropy(logits, labels)
}

// SmoothedCrossEntropy is SoftmaxCrossEntropy against label-smoothed targets; see smoothedCrossEntropy.
func SmoothedCrossEntropy(logits, labels *G.Node, eps float64) (*G.Node, error) {
	return smoothedCrossEntropy(logits, labels, eps)
}

// WeightedLoss adds main + weight*sum(aux); see weightedLoss.
func WeightedLoss(main *G.Node, aux []*G.Node, weight float64) (*G.Node, error) {
	return weightedLoss(main, aux, weight)
}

// ColBudget bounds the bytes of convolution column caches of one graph.
type ColBudget = colBudget

// NewColBudgetOf returns a budget of bytes (graphs that run at once share ColCacheBudget this way).
func NewColBudgetOf(bytes int64) *ColBudget { return &colBudget{left: bytes} }

// ColCacheBudget is the byte budget of one graph's convolution column caches.
const ColCacheBudget = colCacheBudget

// OutSlot is the output an op keeps across runs once enabled (see op_common.go).
type OutSlot = outSlot

// OwnedOutputs enables the owned output of every op among nodes that has one and returns the slots.
func OwnedOutputs(nodes G.Nodes) []*OutSlot { return ownedOutputs(nodes) }

// SlotOf returns the op's output slot, or nil when the op keeps none.
func SlotOf(op G.Op) *OutSlot {
	if o, ok := op.(interface{ outSlot() *outSlot }); ok {
		return o.outSlot()
	}
	return nil
}

// Enabled reports whether the slot's op keeps its output across runs.
func (s *outSlot) Enabled() bool { return s.enabled }

// Output is the kept output tensor, nil before the first run.
func (s *outSlot) Output() *tensor.Dense { return s.t }

// SetOutput makes t the kept output (buffer sharing between slots whose lifetimes do not overlap).
func (s *outSlot) SetOutput(t *tensor.Dense) { s.t = t }

// Disable stops the slot keeping its output and drops the tensor.
func (s *outSlot) Disable() { s.enabled, s.t = false, nil }

// KeptStats counts what the ops of a graph keep for their gradients: max pools and how many of them have
// recorded argmaxes, convolutions with a column cache, how many of those are valid and their bytes, and
// the names of convolutions that have a cache without a budget (which must not happen). It is for tests
// and diagnostics of a built Net.
type KeptStats struct {
	Pools, Argmaxes int
	Cached, Valid   int
	Bytes           int64
	CacheNoBudget   []string
}

// Kept computes KeptStats over nodes.
func Kept(nodes G.Nodes) KeptStats {
	var st KeptStats
	for _, node := range nodes {
		if op, ok := node.Op().(maxPoolOp); ok && op.outSlot() != nil {
			st.Pools++
			if a := op.outSlot().argmax; a != nil && a.buf != nil && a.src != nil {
				st.Argmaxes++
			}
		}
		op, ok := node.Op().(conv2dOp)
		if !ok || op.outSlot() == nil || op.outSlot().cols == nil {
			continue
		}
		if op.budget == nil {
			st.CacheNoBudget = append(st.CacheNoBudget, node.Name())
		}
		st.Cached++
		if c := op.outSlot().cols; c.src != nil {
			st.Valid++
			st.Bytes += int64(len(c.buf.([]float32)) * 4)
		}
	}
	return st
}
