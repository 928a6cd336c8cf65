package arch

import "fmt"

// NewPlan validates s and builds the layer DAG of the network it describes.
//
// Layout (names in quotes are Layer.Name; the group, the table row a layer counts towards, follows):
//
//	"input"
//	"conv1_7x7_s2"      conv 7x7/2, 64, SAME (asymmetric at even sizes)     group conv1
//	"pool1_3x3_s2"      max-pool 3/2 SAME                                   group pool1
//	"conv2_3x3_reduce"  conv 1x1, 64                                        group conv2
//	"conv2_3x3"         conv 3x3, 192                                       group conv2
//	"pool2_3x3_s2"      max-pool 3/2 SAME                                   group pool2
//	"inception_3a/..."  one Inception block per Spec.Blocks entry          group inception_3a
//	"pool3_3x3_s2"      max-pool 3/2 SAME after the last block of stage 3   group pool3
//	...
//	"pool5_global"      adaptive average pool to 1x1                        group avgpool
//	"dropout"           rate Spec.Dropout                                   group dropout
//	"fc"                dense NumClasses (the logits, no ReLU)              group fc
//
// An Inception block X has the layers X/b1_1x1, X/b2_3x3_reduce, X/b2_3x3, X/b3_5x5_reduce, X/b3_5x5,
// X/b4_pool (max-pool 3/1) and X/b4_pool_proj, concatenated by X/concat; Spec.Reduce = false drops the two
// reduce convs ("naive" module) and Spec.PoolProj = false drops the projection, so the pool branch passes the
// block input's channels through and the width grows from block to block (the paper's Fig. 2a with both off). Aux head k follows block Spec.Aux.After[k-1] (layers auxk/pool,
// auxk/conv, auxk/dropout1, auxk/fc1, auxk/dropout2, auxk/fc2; group auxk) and is marked in Plan.Aux.
//
// Spec.Scale applies to every channel count except NumClasses. Every conv and aux fc1 has a ReLU.
func NewPlan(s Spec) (*Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b := &builder{p: &Plan{Spec: s}}
	x := b.add(Layer{Name: "input", Group: "input", Kind: KindInput,
		Out: Shape{s.InChannels, s.ImageSize, s.ImageSize}}, false)

	x = b.conv("conv1_7x7_s2", "conv1", x, s.Scale(64), 7, 2, false)
	x = b.maxPool("pool1_3x3_s2", "pool1", x, 3, 2)
	x = b.conv("conv2_3x3_reduce", "conv2", x, s.Scale(64), 1, 1, false)
	x = b.conv("conv2_3x3", "conv2", x, s.Scale(192), 3, 1, false)
	x = b.maxPool("pool2_3x3_s2", "pool2", x, 3, 2)

	auxAfter := map[string][]int{} // block name -> 1-based aux head numbers
	if s.Aux.Enabled {
		for k, name := range s.Aux.After {
			auxAfter[name] = append(auxAfter[name], k+1)
		}
	}
	auxHeads := make([]Head, len(s.Aux.After))
	for i, bs := range s.Blocks {
		if i > 0 {
			if st, pst := bs.Stage(), s.Blocks[i-1].Stage(); st != pst {
				x = b.maxPool(fmt.Sprintf("pool%d_3x3_s2", pst), fmt.Sprintf("pool%d", pst), x, 3, 2)
			}
		}
		x = b.inception(bs, x)
		for _, k := range auxAfter[bs.Name] {
			auxHeads[k-1] = Head{Name: fmt.Sprintf("aux%d", k), Layer: b.auxHead(k, x), Weight: s.Aux.Weight}
		}
	}

	x = b.adaptive("pool5_global", "avgpool", x, 1, false)
	x = b.dropout("dropout", "dropout", x, s.Dropout, false)
	x = b.dense("fc", "fc", x, s.NumClasses, false, false)
	if b.err != nil {
		return nil, b.err
	}
	b.p.Heads = append([]Head{{Name: "main", Layer: x, Weight: 1}}, auxHeads...)
	if !s.Aux.Enabled {
		b.p.Heads = b.p.Heads[:1]
	}
	return b.p, nil
}

// builder appends layers to a plan and records the first shape error, like bufio.Writer.
type builder struct {
	p   *Plan
	err error
}

func (b *builder) add(l Layer, aux bool) int {
	b.p.Layers = append(b.p.Layers, l)
	b.p.Aux = append(b.p.Aux, aux)
	return len(b.p.Layers) - 1
}

func (b *builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("model: "+format, args...)
	}
}

func (b *builder) out(i int) Shape { return b.p.Layers[i].Out }

// conv adds a conv + bias + ReLU with TensorFlow SAME padding. For stride 1 and the odd kernels used here
// SamePad gives the symmetric k/2; for stride 2 it may be asymmetric (conv1 on 224 pads 2 before, 3 after).
func (b *builder) conv(name, group string, in, outC, k, stride int, aux bool) int {
	is := b.out(in)
	oh, pt, pb := SamePad(is.H, k, stride)
	ow, pl, pr := SamePad(is.W, k, stride)
	out := Shape{outC, oh, ow}
	return b.add(Layer{
		Name: name, Group: group, Kind: KindConv, Inputs: []int{in}, In: is, Out: out,
		K: k, Stride: stride, Pad: [4]int{pt, pb, pl, pr}, ReLU: true,
		Params: int64(outC)*int64(is.C)*int64(k*k) + int64(outC),
		MACs:   int64(out.Size()) * int64(is.C) * int64(k*k),
	}, aux)
}

// maxPool adds a max-pool with TensorFlow SAME padding (padded cells never win).
func (b *builder) maxPool(name, group string, in, k, stride int) int {
	is := b.out(in)
	oh, pt, pb := SamePad(is.H, k, stride)
	ow, pl, pr := SamePad(is.W, k, stride)
	return b.add(Layer{
		Name: name, Group: group, Kind: KindMaxPool, Inputs: []int{in}, In: is, Out: Shape{is.C, oh, ow},
		K: k, Stride: stride, Pad: [4]int{pt, pb, pl, pr},
	}, false)
}

// avgPool adds a 'valid' average pool; the input must be at least k x k.
func (b *builder) avgPool(name, group string, in, k, stride int, aux bool) int {
	is := b.out(in)
	if is.H < k || is.W < k {
		b.fail("%s: average pool %dx%d needs a map of at least %dx%d, got %dx%d", name, k, k, k, k, is.H, is.W)
		return b.add(Layer{Name: name, Group: group, Kind: KindAvgPool, Inputs: []int{in}, In: is, Out: Shape{is.C, 1, 1}, K: k, Stride: stride}, aux)
	}
	return b.add(Layer{
		Name: name, Group: group, Kind: KindAvgPool, Inputs: []int{in}, In: is,
		Out: Shape{is.C, (is.H-k)/stride + 1, (is.W-k)/stride + 1}, K: k, Stride: stride,
	}, aux)
}

// adaptive adds an adaptive average pool to size x size (PyTorch semantics).
func (b *builder) adaptive(name, group string, in, size int, aux bool) int {
	is := b.out(in)
	return b.add(Layer{Name: name, Group: group, Kind: KindAdaptive, Inputs: []int{in}, In: is, Out: Shape{is.C, size, size}}, aux)
}

func (b *builder) dropout(name, group string, in int, rate float64, aux bool) int {
	is := b.out(in)
	return b.add(Layer{Name: name, Group: group, Kind: KindDropout, Inputs: []int{in}, In: is, Out: is, Rate: rate}, aux)
}

// dense flattens its input in (C, H, W) order and applies weight (n, In.Size()) and bias (n).
func (b *builder) dense(name, group string, in, n int, relu, aux bool) int {
	is := b.out(in)
	return b.add(Layer{
		Name: name, Group: group, Kind: KindDense, Inputs: []int{in}, In: is, Out: Shape{n, 1, 1}, ReLU: relu,
		Params: int64(is.Size())*int64(n) + int64(n),
		MACs:   int64(is.Size()) * int64(n),
	}, aux)
}

// inception adds one block and asserts that every branch keeps the input's spatial size and that the
// concatenation has the expected channel count.
func (b *builder) inception(bs BlockSpec, in int) int {
	s := b.p.Spec
	pre := "inception_" + bs.Name
	is := b.out(in)
	var branches []int
	want := 0

	branches = append(branches, b.conv(pre+"/b1_1x1", pre, in, s.Scale(bs.Ch1x1), 1, 1, false))
	want += s.Scale(bs.Ch1x1)

	x := in
	if s.Reduce {
		x = b.conv(pre+"/b2_3x3_reduce", pre, in, s.Scale(bs.Ch3x3Red), 1, 1, false)
	}
	branches = append(branches, b.conv(pre+"/b2_3x3", pre, x, s.Scale(bs.Ch3x3), 3, 1, false))
	want += s.Scale(bs.Ch3x3)

	x = in
	if s.Reduce {
		x = b.conv(pre+"/b3_5x5_reduce", pre, in, s.Scale(bs.Ch5x5Red), 1, 1, false)
	}
	branches = append(branches, b.conv(pre+"/b3_5x5", pre, x, s.Scale(bs.Ch5x5), 5, 1, false))
	want += s.Scale(bs.Ch5x5)

	x = b.maxPool(pre+"/b4_pool", pre, in, 3, 1)
	if s.PoolProj {
		x = b.conv(pre+"/b4_pool_proj", pre, x, s.Scale(bs.PoolProj), 1, 1, false)
		want += s.Scale(bs.PoolProj)
	} else {
		want += is.C
	}
	branches = append(branches, x)

	got := 0
	for _, br := range branches {
		o := b.out(br)
		if o.H != is.H || o.W != is.W {
			b.fail("%s: branch %s gives a %dx%d map, want the block input's %dx%d", pre, b.p.Layers[br].Name, o.H, o.W, is.H, is.W)
		}
		got += o.C
	}
	if got != want {
		b.fail("%s: concatenation has %d channels, want %d", pre, got, want)
	}
	return b.add(Layer{Name: pre + "/concat", Group: pre, Kind: KindConcat, Inputs: branches, In: b.out(branches[0]),
		Out: Shape{got, is.H, is.W}}, false)
}

// auxHead adds aux classifier k after layer in and returns its logits layer.
func (b *builder) auxHead(k, in int) int {
	s := b.p.Spec
	pre := fmt.Sprintf("aux%d", k)
	x := in
	if m := b.out(in); m.H >= 5 && m.W >= 5 {
		x = b.avgPool(pre+"/pool", pre, x, 5, 3, true)
	} else {
		x = b.adaptive(pre+"/pool", pre, x, 4, true)
	}
	x = b.conv(pre+"/conv", pre, x, s.Scale(128), 1, 1, true)
	x = b.dropout(pre+"/dropout1", pre, x, s.Aux.Dropout, true)
	x = b.dense(pre+"/fc1", pre, x, s.Scale(1024), true, true)
	x = b.dropout(pre+"/dropout2", pre, x, s.Aux.Dropout, true)
	return b.dense(pre+"/fc2", pre, x, s.NumClasses, false, true)
}
