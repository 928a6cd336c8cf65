package arch

// Kind is the type of one layer in a Plan.
type Kind int

const (
	KindInput    Kind = iota // the network input (no params)
	KindConv                 // conv + bias (+ ReLU when Layer.ReLU), TF SAME padding given explicitly in Pad
	KindMaxPool              // max pool K/Stride, padding Pad filled with -inf (TF SAME semantics)
	KindAvgPool              // average pool K/Stride 'valid' (no padding)
	KindAdaptive             // adaptive average pool to Out.H x Out.W (PyTorch semantics); 1x1 = global average pool
	KindConcat               // channel concatenation of Inputs, in order
	KindDropout              // dropout with rate Rate (training only)
	KindDense                // fully connected: flattens its input (C,H,W order), weight (Out.C, In.C*In.H*In.W), bias
)

// Shape is a per-image activation shape (channels, height, width). Dense outputs have H = W = 1.
type Shape struct{ C, H, W int }

// Size is C*H*W.
func (s Shape) Size() int { return s.C * s.H * s.W }

// Layer is one node of the plan. Inputs index earlier layers of Plan.Layers.
type Layer struct {
	Name   string // stable hierarchical name, e.g. "inception_3a/b2_3x3"; parameters are Name+"/w" and Name+"/b"
	Group  string // table row this layer counts towards: "conv1", "conv2_1x1", "conv2_3x3", "inception_3a", "aux1", "fc", ...
	Kind   Kind
	Inputs []int
	In     Shape // shape of the (first) input
	Out    Shape
	K      int    // kernel size (conv, pools)
	Stride int    // stride (conv, pools)
	Pad    [4]int // top, bottom, left, right (conv, max pool)
	ReLU   bool   // conv/dense followed by ReLU
	Rate   float64
	Params int64 // weights + biases (Keras model.summary() counting)
	MACs   int64 // multiply-accumulates for one image (conv: Out.Size()*In.C*K*K; dense: In.Size()*Out.C)
}

// Head is an output of the network: the main classifier and, in training, the aux classifiers.
type Head struct {
	Name   string  // "main", "aux1", "aux2", ...
	Layer  int     // index of the logits layer
	Weight float64 // loss weight (1 for main)
}

// Plan is the whole network as a DAG of layers in topological order. Layers used only by aux heads are
// marked by Aux; an inference graph skips them (and dropout).
type Plan struct {
	Spec   Spec
	Layers []Layer
	Aux    []bool // per layer: true when only an aux head needs it
	Heads  []Head // Heads[0] is the main head
}
