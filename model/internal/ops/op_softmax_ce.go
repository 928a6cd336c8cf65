package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// softmaxCrossEntropy is the mean over the batch of -log softmax(logits)[label], computed stably with
// log-sum-exp. logits is (N, K); labels is (N) holding class indices as float values of the logits' dtype
// (each must be an integer in [0, K), checked at run time). The result is a scalar. The gradient wrt the
// logits is (softmax - onehot)/N times the upstream gradient; labels get no gradient.
func softmaxCrossEntropy(logits, labels *G.Node) (*G.Node, error) {
	return smoothedCrossEntropy(logits, labels, 0)
}

// smoothedCrossEntropy is softmaxCrossEntropy against label-smoothed targets (Szegedy et al. 2016):
// the target of row i puts 1-eps+eps/K on its label and eps/K on every other class, so the loss is
// (1-eps)*CE(label) + eps/K * sum_j -log softmax_j and its gradient wrt the logits is
// (softmax - target)/N. eps = 0 is exactly softmaxCrossEntropy.
func smoothedCrossEntropy(logits, labels *G.Node, eps float64) (*G.Node, error) {
	if !(eps >= 0 && eps < 1) {
		return nil, fmt.Errorf("model: label smoothing must be in [0, 1), got %v", eps)
	}
	op := softmaxCEOp{smooth: eps}
	if _, err := op.InferShape(logits.Shape(), labels.Shape()); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(op, logits, labels)
	if err != nil {
		return nil, fmt.Errorf("model: %v: %w", op, err)
	}
	return y, nil
}

// softmaxCEOp: inputs (logits, labels) -> scalar loss. smooth is the label smoothing (0 = none).
type softmaxCEOp struct{ smooth float64 }

func (op softmaxCEOp) String() string        { return "model.softmaxCrossEntropy" + smoothSuffix(op.smooth) }
func (op softmaxCEOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op softmaxCEOp) Hashcode() uint32      { return hashOp(op) }
func (op softmaxCEOp) Arity() int            { return 2 }
func (op softmaxCEOp) Type() hm.Type         { return fnType(2, 1, 0) }
func (op softmaxCEOp) ReturnsPtr() bool      { return false }
func (op softmaxCEOp) CallsExtern() bool     { return false }
func (op softmaxCEOp) OverwritesInput() int  { return -1 }
func (op softmaxCEOp) DiffWRT(int) []bool    { return []bool{true, false} }

// checkCEShapes validates logits (N, K) with K >= 1 and labels (N).
func checkCEShapes(op fmt.Stringer, logits, labels []int) error {
	if len(logits) != 2 || logits[1] < 1 {
		return fmt.Errorf("model: %v: logits must be (N, K), got shape %s", op, fmtShape(logits))
	}
	if len(labels) != 1 || labels[0] != logits[0] {
		return fmt.Errorf("model: %v: labels must have shape (%d) to match logits %s, got %s", op, logits[0], fmtShape(logits), fmtShape(labels))
	}
	return nil
}

func (op softmaxCEOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "logits", "labels")
	if err != nil {
		return nil, err
	}
	logits, labels := shapes[0], shapes[1]
	if err := checkCEShapes(op, logits, labels); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

func (op softmaxCEOp) Do(in ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, []string{"logits", "labels"}, []int{2, 1}, in)
	if err != nil {
		return nil, err
	}
	if err := checkCEShapes(op, t[0].Shape(), t[1].Shape()); err != nil {
		return nil, err
	}
	if t[0].Dtype() == tensor.Float32 {
		l, err := crossEntropy(op, sliceOf[float32](t[0]), sliceOf[float32](t[1]), t[0].Shape()[1], nil, 0, op.smooth)
		return G.NewF32(float32(l)), err
	}
	l, err := crossEntropy(op, sliceOf[float64](t[0]), sliceOf[float64](t[1]), t[0].Shape()[1], nil, 0, op.smooth)
	return G.NewF64(l), err
}

// crossEntropy returns the mean loss over the rows of logits (N, k). When grad is non-nil it also sets
// grad = (softmax - onehot) * scale/N. Sums run in float64 for both dtypes. With label smoothing eps > 0
// the target is (1-eps)*onehot + eps/k (see smoothedCrossEntropy).
func crossEntropy[T opFloat](op fmt.Stringer, logits, labels []T, k int, grad []T, scale, eps float64) (float64, error) {
	n := len(labels)
	total := 0.0
	for i, lv := range labels {
		label := int(lv)
		if float64(label) != float64(lv) || label < 0 || label >= k {
			return 0, fmt.Errorf("model: %v: labels[%d] = %v is not a class index in [0, %d)", op, i, lv, k)
		}
		row := logits[i*k : (i+1)*k]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(float64(v) - m)
		}
		lse := m + math.Log(sum)
		if eps == 0 {
			total += lse - float64(row[label])
		} else {
			mean := 0.0
			for _, v := range row {
				mean += float64(v)
			}
			mean /= float64(k)
			total += lse - (1-eps)*float64(row[label]) - eps*mean
		}
		if grad != nil {
			g := grad[i*k : (i+1)*k]
			s := scale / float64(n)
			off := eps / float64(k)
			for j, v := range row {
				p := math.Exp(float64(v) - lse)
				if eps != 0 {
					p -= off
					if j == label {
						p -= 1 - eps
					}
				} else if j == label {
					p--
				}
				g[j] = T(p * s)
			}
		}
	}
	return total / float64(n), nil
}

func (op softmaxCEOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("model: %v: SymDiff expects 2 inputs, got %d", op, len(inputs))
	}
	d, err := G.ApplyOp(softmaxCEGradOp{smooth: op.smooth}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("model: %v: gradient: %w", op, err)
	}
	return G.Nodes{d, nil}, nil
}

// smoothSuffix names the label smoothing in an op's name; none for 0, so unsmoothed ops keep their names.
func smoothSuffix(eps float64) string {
	if eps == 0 {
		return ""
	}
	return fmt.Sprintf("{smooth=%v}", eps)
}

// softmaxCEGradOp: inputs (logits, labels, upstream scalar) -> dlogits (N, K).
type softmaxCEGradOp struct{ smooth float64 }

func (op softmaxCEGradOp) String() string {
	return "model.softmaxCrossEntropyGrad" + smoothSuffix(op.smooth)
}
func (op softmaxCEGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op softmaxCEGradOp) Hashcode() uint32      { return hashOp(op) }
func (op softmaxCEGradOp) Arity() int            { return 3 }
func (op softmaxCEGradOp) Type() hm.Type         { return fnType(2, 1, 0, 2) }
func (op softmaxCEGradOp) ReturnsPtr() bool      { return false }
func (op softmaxCEGradOp) CallsExtern() bool     { return false }
func (op softmaxCEGradOp) OverwritesInput() int  { return -1 }

func (op softmaxCEGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	shapes, err := inputShapes(op, in, "logits", "labels", "grad")
	if err != nil {
		return nil, err
	}
	logits, labels := shapes[0], shapes[1]
	if err := checkCEShapes(op, logits, labels); err != nil {
		return nil, err
	}
	return logits.Clone(), nil
}

func (op softmaxCEGradOp) Do(in ...G.Value) (G.Value, error) { return op.run(nil, in) }
func (op softmaxCEGradOp) UsePreallocDo(p G.Value, in ...G.Value) (G.Value, error) {
	return op.run(p, in)
}

func (op softmaxCEGradOp) run(prealloc G.Value, in []G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("model: %v: expected 3 inputs (logits, labels, grad), got %d", op, len(in))
	}
	t, err := denseInputs(op, []string{"logits", "labels"}, []int{2, 1}, in[:2])
	if err != nil {
		return nil, err
	}
	if err := checkCEShapes(op, t[0].Shape(), t[1].Shape()); err != nil {
		return nil, err
	}
	up, err := scalarOf(op, in[2], "upstream gradient")
	if err != nil {
		return nil, err
	}
	d, err := output(op, prealloc, t[0].Dtype(), t[0].Shape())
	if err != nil {
		return nil, err
	}
	k := t[0].Shape()[1]
	if t[0].Dtype() == tensor.Float32 {
		_, err = crossEntropy(op, sliceOf[float32](t[0]), sliceOf[float32](t[1]), k, sliceOf[float32](d), up, op.smooth)
	} else {
		_, err = crossEntropy(op, sliceOf[float64](t[0]), sliceOf[float64](t[1]), k, sliceOf[float64](d), up, op.smooth)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}
