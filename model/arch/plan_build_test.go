package arch

import (
	"fmt"
	"strings"
	"testing"
)

// variantSpec is the default spec with the module variant switched.
func variantSpec(numClasses, size int, reduce, poolProj bool) Spec {
	s := DefaultSpec(numClasses)
	s.ImageSize = size
	s.Reduce, s.PoolProj = reduce, poolProj
	return s
}

var variants = []struct {
	name             string
	reduce, poolProj bool
}{{"reduce", true, true}, {"naive+proj", false, true}, {"naive-pure", false, false}}

func mustPlan(t testing.TB, s Spec) *Plan {
	t.Helper()
	p, err := NewPlan(s)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	return p
}

func layerByName(t testing.TB, p *Plan, name string) Layer {
	t.Helper()
	i := p.LayerIndex(name)
	if i < 0 {
		t.Fatalf("no layer %q", name)
	}
	return p.Layers[i]
}

func TestNewPlanShapesAt224(t *testing.T) {
	p := mustPlan(t, DefaultSpec(1000))
	tests := []struct {
		name string
		out  Shape
		pad  [4]int
	}{
		{"conv1_7x7_s2", Shape{64, 112, 112}, [4]int{2, 3, 2, 3}},
		{"pool1_3x3_s2", Shape{64, 56, 56}, [4]int{0, 1, 0, 1}},
		{"conv2_3x3_reduce", Shape{64, 56, 56}, [4]int{0, 0, 0, 0}},
		{"conv2_3x3", Shape{192, 56, 56}, [4]int{1, 1, 1, 1}},
		{"pool2_3x3_s2", Shape{192, 28, 28}, [4]int{0, 1, 0, 1}},
		{"inception_3a/b3_5x5", Shape{32, 28, 28}, [4]int{2, 2, 2, 2}},
		{"inception_3a/b4_pool", Shape{192, 28, 28}, [4]int{1, 1, 1, 1}},
		{"inception_3a/concat", Shape{256, 28, 28}, [4]int{}},
		{"inception_3b/concat", Shape{480, 28, 28}, [4]int{}},
		{"pool3_3x3_s2", Shape{480, 14, 14}, [4]int{0, 1, 0, 1}},
		{"inception_4a/concat", Shape{512, 14, 14}, [4]int{}},
		{"aux1/pool", Shape{512, 4, 4}, [4]int{}},
		{"aux1/conv", Shape{128, 4, 4}, [4]int{}},
		{"aux1/fc1", Shape{1024, 1, 1}, [4]int{}},
		{"aux1/fc2", Shape{1000, 1, 1}, [4]int{}},
		{"inception_4d/concat", Shape{528, 14, 14}, [4]int{}},
		{"aux2/pool", Shape{528, 4, 4}, [4]int{}},
		{"inception_4e/concat", Shape{832, 14, 14}, [4]int{}},
		{"pool4_3x3_s2", Shape{832, 7, 7}, [4]int{0, 1, 0, 1}},
		{"inception_5b/concat", Shape{1024, 7, 7}, [4]int{}},
		{"pool5_global", Shape{1024, 1, 1}, [4]int{}},
		{"dropout", Shape{1024, 1, 1}, [4]int{}},
		{"fc", Shape{1000, 1, 1}, [4]int{}},
	}
	for _, tc := range tests {
		t.Run(strings.ReplaceAll(tc.name, "/", "_"), func(t *testing.T) {
			l := layerByName(t, p, tc.name)
			if l.Out != tc.out {
				t.Errorf("out = %v, want %v", l.Out, tc.out)
			}
			if l.Pad != tc.pad {
				t.Errorf("pad = %v, want %v", l.Pad, tc.pad)
			}
		})
	}
	if l := layerByName(t, p, "aux1/pool"); l.Kind != KindAvgPool || l.K != 5 || l.Stride != 3 {
		t.Errorf("aux1/pool at 224 = kind %v %d/%d, want avg pool 5/3", l.Kind, l.K, l.Stride)
	}
	if l := layerByName(t, p, "dropout"); l.Rate != 0.4 {
		t.Errorf("dropout rate %g, want 0.4", l.Rate)
	}
	if l := layerByName(t, p, "aux2/dropout2"); l.Rate != 0.5 {
		t.Errorf("aux dropout rate %g, want 0.5", l.Rate)
	}
	for _, l := range p.Layers {
		if wantReLU := l.Kind == KindConv || l.Name == "aux1/fc1" || l.Name == "aux2/fc1"; l.ReLU != wantReLU {
			t.Errorf("%s: ReLU = %v, want %v", l.Name, l.ReLU, wantReLU)
		}
	}
}

// checkPlanInvariants verifies what every plan must satisfy, independently of how it was built.
func checkPlanInvariants(t *testing.T, p *Plan) {
	t.Helper()
	s := p.Spec
	names := map[string]bool{}
	if len(p.Aux) != len(p.Layers) {
		t.Fatalf("len(Aux) = %d, len(Layers) = %d", len(p.Aux), len(p.Layers))
	}
	for i, l := range p.Layers {
		if names[l.Name] {
			t.Errorf("duplicate layer name %q", l.Name)
		}
		names[l.Name] = true
		if l.Out.C < 1 || l.Out.H < 1 || l.Out.W < 1 {
			t.Errorf("%s: empty output %v", l.Name, l.Out)
		}
		for _, in := range l.Inputs {
			if in >= i {
				t.Errorf("%s: input %d is not an earlier layer", l.Name, in)
			}
		}
		if len(l.Inputs) > 0 && l.In != p.Layers[l.Inputs[0]].Out {
			t.Errorf("%s: In = %v, first input's Out = %v", l.Name, l.In, p.Layers[l.Inputs[0]].Out)
		}
		switch l.Kind {
		case KindConv:
			oh, _, _ := SamePad(l.In.H, l.K, l.Stride)
			if l.Out.H != oh || l.Pad[0]+l.Pad[1] != max((oh-1)*l.Stride+l.K-l.In.H, 0) {
				t.Errorf("%s: out %v pad %v not TF SAME for %v k%d s%d", l.Name, l.Out, l.Pad, l.In, l.K, l.Stride)
			}
			if l.Stride == 1 && l.Pad != [4]int{l.K / 2, l.K / 2, l.K / 2, l.K / 2} {
				t.Errorf("%s: stride-1 pad %v, want symmetric %d", l.Name, l.Pad, l.K/2)
			}
			if want := int64(l.Out.C*l.In.C*l.K*l.K + l.Out.C); l.Params != want {
				t.Errorf("%s: params %d, want %d", l.Name, l.Params, want)
			}
		case KindDense:
			if want := int64(l.In.Size()*l.Out.C + l.Out.C); l.Params != want {
				t.Errorf("%s: params %d, want %d", l.Name, l.Params, want)
			}
		case KindConcat:
			c := 0
			for _, in := range l.Inputs {
				o := p.Layers[in].Out
				if o.H != l.Out.H || o.W != l.Out.W {
					t.Errorf("%s: input %s is %v, concat is %v", l.Name, p.Layers[in].Name, o, l.Out)
				}
				c += o.C
			}
			if c != l.Out.C {
				t.Errorf("%s: %d input channels, out %v", l.Name, c, l.Out)
			}
		default:
			if l.Params != 0 || l.MACs != 0 {
				t.Errorf("%s: kind %v has params %d MACs %d", l.Name, l.Kind, l.Params, l.MACs)
			}
		}
		if strings.HasPrefix(l.Name, "aux") != p.Aux[i] {
			t.Errorf("%s: Aux = %v", l.Name, p.Aux[i])
		}
	}
	main := p.Layers[p.Heads[0].Layer]
	if p.Heads[0].Name != "main" || main.Name != "fc" || main.Out.C != s.NumClasses {
		t.Errorf("main head = %+v (%s, %v)", p.Heads[0], main.Name, main.Out)
	}
	wantHeads := 1
	if s.Aux.Enabled {
		wantHeads += len(s.Aux.After)
	}
	if len(p.Heads) != wantHeads {
		t.Fatalf("%d heads, want %d", len(p.Heads), wantHeads)
	}
	for k, h := range p.Heads[1:] {
		l := p.Layers[h.Layer]
		if want := fmt.Sprintf("aux%d/fc2", k+1); l.Name != want || h.Weight != s.Aux.Weight || l.Out.C != s.NumClasses {
			t.Errorf("head %d = %+v (%s), want %s weight %g", k+1, h, l.Name, want, s.Aux.Weight)
		}
		// the aux fc1 input keeps the 4x4x128 layout whenever the 5/3 pool or the adaptive pool gives 4x4
		pool := layerByName(t, p, fmt.Sprintf("aux%d/pool", k+1))
		if pool.In.H < 5 && (pool.Kind != KindAdaptive || pool.Out.H != 4) {
			t.Errorf("aux%d/pool on %v: kind %v out %v, want adaptive 4x4", k+1, pool.In, pool.Kind, pool.Out)
		}
		if pool.In.H >= 5 && (pool.Kind != KindAvgPool || pool.Out.H != (pool.In.H-5)/3+1) {
			t.Errorf("aux%d/pool on %v: kind %v out %v, want avg pool 5/3", k+1, pool.In, pool.Kind, pool.Out)
		}
	}
}

func TestNewPlanAnySize(t *testing.T) {
	for _, size := range []int{32, 33, 64, 65, 96, 100, 224, 225} {
		for _, v := range variants {
			t.Run(fmt.Sprintf("%s/%d", v.name, size), func(t *testing.T) {
				p := mustPlan(t, variantSpec(10, size, v.reduce, v.poolProj))
				checkPlanInvariants(t, p)
				c1, _, _ := SamePad(size, 7, 2)
				if got := layerByName(t, p, "conv1_7x7_s2").Out.H; got != c1 {
					t.Errorf("conv1 out %d, want %d", got, c1)
				}
			})
		}
	}
}

func TestNewPlanVariantLayers(t *testing.T) {
	tests := []struct {
		name             string
		reduce, poolProj bool
		present, absent  []string
		out3a            int
	}{
		{"reduce", true, true, []string{"inception_3a/b2_3x3_reduce", "inception_3a/b3_5x5_reduce", "inception_3a/b4_pool_proj"}, nil, 256},
		{"naive+proj", false, true, []string{"inception_3a/b4_pool_proj"}, []string{"inception_3a/b2_3x3_reduce", "inception_3a/b3_5x5_reduce"}, 256},
		// naive-pure: 64 + 128 + 32 + the 192 input channels passed through by the pool
		{"naive-pure", false, false, nil, []string{"inception_3a/b2_3x3_reduce", "inception_3a/b3_5x5_reduce", "inception_3a/b4_pool_proj"}, 416},
		{"reduce-noproj", true, false, []string{"inception_3a/b2_3x3_reduce"}, []string{"inception_3a/b4_pool_proj"}, 416},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPlan(t, variantSpec(10, 64, tc.reduce, tc.poolProj))
			for _, n := range tc.present {
				if p.LayerIndex(n) < 0 {
					t.Errorf("missing layer %s", n)
				}
			}
			for _, n := range tc.absent {
				if p.LayerIndex(n) >= 0 {
					t.Errorf("unexpected layer %s", n)
				}
			}
			if got := layerByName(t, p, "inception_3a/concat").Out.C; got != tc.out3a {
				t.Errorf("3a out channels %d, want %d", got, tc.out3a)
			}
			b2 := layerByName(t, p, "inception_3a/b2_3x3")
			if wantIn := map[bool]int{true: 96, false: 192}[tc.reduce]; b2.In.C != wantIn {
				t.Errorf("b2_3x3 input channels %d, want %d", b2.In.C, wantIn)
			}
		})
	}
}

func TestNewPlanGroups(t *testing.T) {
	p := mustPlan(t, DefaultSpec(1000))
	var got []string
	for _, g := range p.Groups() {
		got = append(got, g.Name)
	}
	want := "conv1 pool1 conv2 pool2 inception_3a inception_3b pool3 inception_4a aux1 inception_4b inception_4c " +
		"inception_4d aux2 inception_4e pool4 inception_5a inception_5b avgpool dropout fc"
	if strings.Join(got, " ") != want {
		t.Errorf("groups\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestNewPlanWidth(t *testing.T) {
	s := DefaultSpec(7)
	s.ImageSize, s.Width = 64, 0.5
	p := mustPlan(t, s)
	checkPlanInvariants(t, p)
	for name, c := range map[string]int{
		"conv1_7x7_s2": 32, "conv2_3x3_reduce": 32, "conv2_3x3": 96, "inception_3a/b2_3x3": 64,
		"inception_3a/concat": 128, "aux1/conv": 64, "aux1/fc1": 512, "aux1/fc2": 7, "fc": 7,
	} {
		if got := layerByName(t, p, name).Out.C; got != c {
			t.Errorf("%s: %d channels at width 0.5, want %d", name, got, c)
		}
	}
}

func TestNewPlanHeads(t *testing.T) {
	s := DefaultSpec(10)
	s.Aux.After = []string{"4d", "4a"}
	p := mustPlan(t, s)
	if got := p.Layers[p.Layers[p.LayerIndex("aux1/pool")].Inputs[0]].Name; got != "inception_4d/concat" {
		t.Errorf("aux1 follows %s, want inception_4d/concat (Aux.After order)", got)
	}
	s.Aux.Enabled = false
	p = mustPlan(t, s)
	checkPlanInvariants(t, p)
	for i, l := range p.Layers {
		if p.Aux[i] || strings.HasPrefix(l.Name, "aux") {
			t.Errorf("aux disabled but layer %s present", l.Name)
		}
	}
}

func TestNewPlanErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"small image", func(s *Spec) { s.ImageSize = 31 }, "image_size must be >= 32, got 31"},
		{"classes", func(s *Spec) { s.NumClasses = 1 }, "num_classes must be >= 2"},
		{"bad channel", func(s *Spec) { s.Blocks[2].Ch3x3 = -4 }, "blocks[2] (4a): ch3x3: must be > 0, got -4"},
		{"aux after unknown", func(s *Spec) { s.Aux.After = []string{"4z"} }, `aux head after "4z" names no block`},
		{"stage order", func(s *Spec) { s.Blocks[0], s.Blocks[2] = s.Blocks[2], s.Blocks[0] }, `blocks[1] (3b): name: stage 3 block "3b" comes after stage 4 block "4a"; stages must not decrease`},
		{"init", func(s *Spec) { s.Init = "zeros" }, `init must be glorot_uniform or he_normal, got "zeros"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSpec(10)
			tc.edit(&s)
			_, err := NewPlan(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "model: ") {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestNewPlanCustomBlocks(t *testing.T) {
	s := DefaultSpec(10)
	s.ImageSize = 32
	s.Blocks = []BlockSpec{{"3a", 8, 8, 8, 4, 4, 4}, {"4a", 8, 8, 8, 4, 4, 4}, {"6a", 8, 8, 8, 4, 4, 4}}
	s.Aux.After = []string{"6a"}
	p := mustPlan(t, s)
	checkPlanInvariants(t, p)
	for _, n := range []string{"pool3_3x3_s2", "pool4_3x3_s2"} {
		if p.LayerIndex(n) < 0 {
			t.Errorf("missing %s between stages", n)
		}
	}
	if p.LayerIndex("pool5_3x3_s2") >= 0 || p.LayerIndex("pool6_3x3_s2") >= 0 {
		t.Errorf("pool inserted for a stage that has no block, or after the last stage")
	}
}
