package data

import (
	"math/rand/v2"
	"testing"
)

// testSubset wraps raw images (each c*size*size, CHW) in a Subset with the given preprocessing.
func testSubset(t *testing.T, imgs [][]uint8, size, channels int, hflip bool, mean, std []float64) *Subset {
	t.Helper()
	cfg, err := Config{ImageSize: size, Channels: channels, Mean: mean, Std: std}.normalized()
	if err != nil {
		t.Fatal(err)
	}
	st := &store{size: size, imgs: imgs, labels: make([]int32, len(imgs)), key: func(i int) string { return "k" + itoa(i) }}
	members := make([]int, len(imgs))
	for i := range members {
		members[i] = i
		st.labels[i] = int32(i % 3)
	}
	return &Subset{name: "train", st: st, members: members, tf: newTransform(size, channels, cfg.Mean, cfg.Std), hflip: hflip}
}

func TestNormalizationValues(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mean, std []float64
		x, want   float64
	}{
		{"default 0 -> -1", nil, nil, 0, -1},
		{"default 255 -> 1", nil, nil, 255, 1},
		{"default 127.5 -> 0", nil, nil, 127.5, 0},
		{"imagenet red", []float64{0.485}, []float64{0.229}, 255, (1 - 0.485) / 0.229},
		{"unit", []float64{0}, []float64{1}, 51, 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testSubset(t, nil, 1, 1, false, tc.mean, tc.std)
			if got := s.tf.value(tc.x, 0); got != tc.want {
				t.Errorf("value(%v) = %v, want %v", tc.x, got, tc.want)
			}
		})
	}
	// The same values reach Fill's output.
	s := testSubset(t, [][]uint8{{0}, {255}}, 1, 1, false, nil, nil)
	x, y := make([]float32, 2), make([]int, 2)
	if err := s.Fill([]int{0, 1}, x, y, nil); err != nil || x[0] != -1 || x[1] != 1 {
		t.Errorf("Fill(0, 255) = %v, %v; want [-1 1]", x, err)
	}
}

func TestFillChannels(t *testing.T) {
	gray := []uint8{0, 51, 102, 255}                            // 2x2, one plane
	rgb := []uint8{255, 10, 0, 0, 0, 20, 255, 0, 0, 30, 0, 255} // 2x2, planes R, G, B
	unit := []float64{0}
	one := []float64{1}
	for _, tc := range []struct {
		name     string
		img      []uint8
		channels int
		want     []float32
	}{
		{"gray to gray", gray, 1, []float32{0, 0.2, 0.4, 1}},
		{"gray to rgb replicates", gray, 3, []float32{0, 0.2, 0.4, 1, 0, 0.2, 0.4, 1, 0, 0.2, 0.4, 1}},
		{"rgb to rgb", rgb, 3, []float32{1, 10.0 / 255, 0, 0, 0, 20.0 / 255, 1, 0, 0, 30.0 / 255, 0, 1}},
		// BT.601 luma: pure red 0.299*255, (10, 20, 30) -> 18.15, pure green 0.587*255, pure blue 0.114*255.
		{"rgb to gray by luma", rgb, 1, []float32{0.299, 18.15 / 255, 0.587, 0.114}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testSubset(t, [][]uint8{tc.img}, 2, tc.channels, false, unit, one)
			x, y := make([]float32, tc.channels*4), make([]int, 1)
			if err := s.Fill([]int{0}, x, y, nil); err != nil {
				t.Fatal(err)
			}
			for i := range x {
				if d := x[i] - tc.want[i]; d > 1e-6 || d < -1e-6 {
					t.Fatalf("x = %v, want %v", x, tc.want)
				}
			}
		})
	}
}

func TestFillFlip(t *testing.T) {
	img := []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9} // 3x3: rows 1 2 3 / 4 5 6 / 7 8 9
	mirrored := []uint8{3, 2, 1, 6, 5, 4, 9, 8, 7}
	const n = 200
	imgs := make([][]uint8, n)
	idx := make([]int, n)
	for i := range imgs {
		imgs[i], idx[i] = img, i
	}
	asFloats := func(p []uint8) []float32 {
		out := make([]float32, len(p))
		for i, v := range p {
			out[i] = float32(float64(v) / 255)
		}
		return out
	}
	plain, flipped := asFloats(img), asFloats(mirrored)
	fill := func(s *Subset, rng *rand.Rand) (same, mirror int) {
		x, y := make([]float32, n*9), make([]int, n)
		if err := s.Fill(idx, x, y, rng); err != nil {
			t.Fatal(err)
		}
		for k := range n {
			switch got := x[k*9 : (k+1)*9]; {
			case equalFloats(got, plain):
				same++
			case equalFloats(got, flipped):
				mirror++
			default:
				t.Fatalf("image %d = %v is neither the original nor its mirror", k, got)
			}
		}
		return same, mirror
	}
	on := testSubset(t, imgs, 3, 1, true, []float64{0}, []float64{1})
	off := testSubset(t, imgs, 3, 1, false, []float64{0}, []float64{1})

	if _, m := fill(on, nil); m != 0 {
		t.Errorf("rng == nil flipped %d images, want 0", m)
	}
	if _, m := fill(off, rand.New(rand.NewPCG(1, 2))); m != 0 {
		t.Errorf("HFlip false flipped %d images, want 0", m)
	}
	_, m1 := fill(on, rand.New(rand.NewPCG(1, 2)))
	_, m2 := fill(on, rand.New(rand.NewPCG(1, 2)))
	if m1 != m2 {
		t.Errorf("same rng seed flipped %d then %d images", m1, m2)
	}
	if m1 < n/2-40 || m1 > n/2+40 { // p = 1/2; +-40 is over 5 standard deviations
		t.Errorf("flipped %d of %d images, want about half", m1, n)
	}
}

func TestFillErrors(t *testing.T) {
	s := testSubset(t, [][]uint8{{1, 2, 3, 4}, {5, 6, 7, 8}}, 2, 3, false, nil, nil)
	for _, tc := range []struct {
		name string
		idx  []int
		x    int
		y    int
		want string
	}{
		{"short x", []int{0, 1}, 23, 2, "data: train.Fill: x holds 23 values, need 24 for 2 images of 3x2x2"},
		{"short y", []int{0, 1}, 24, 1, "data: train.Fill: y holds 1 labels, need 2"},
		{"index out of range", []int{0, 2}, 24, 2, "data: train.Fill: idx[1] = 2 out of range [0, 2)"},
		{"negative index", []int{-1}, 12, 1, "data: train.Fill: idx[0] = -1 out of range [0, 2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Fill(tc.idx, make([]float32, tc.x), make([]int, tc.y), nil)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestShuffled(t *testing.T) {
	s := testSubset(t, make([][]uint8, 50), 1, 1, false, nil, nil)
	if got := s.Shuffled(nil); got[0] != 0 || got[49] != 49 {
		t.Errorf("Shuffled(nil) not the identity: %v", got)
	}
	a := s.Shuffled(rand.New(rand.NewPCG(7, 0)))
	b := s.Shuffled(rand.New(rand.NewPCG(7, 0)))
	c := s.Shuffled(rand.New(rand.NewPCG(8, 0)))
	if !equalInts(a, b) {
		t.Error("same seed gave different orders")
	}
	if equalInts(a, c) {
		t.Error("different seeds gave the same order")
	}
	seen := make([]bool, 50)
	for _, i := range a {
		seen[i] = true
	}
	if !allTrue(seen) {
		t.Errorf("not a permutation: %v", a)
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func allTrue(b []bool) bool {
	for _, v := range b {
		if !v {
			return false
		}
	}
	return true
}
