package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPadCrop(t *testing.T) {
	img := []uint8{ // 3x3, one plane
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}
	for _, tc := range []struct {
		name   string
		dx, dy int
		flip   bool
		want   []uint8
	}{
		{"centre is the image", 1, 1, false, img},
		{"top-left", 0, 0, false, []uint8{0, 0, 0, 0, 1, 2, 0, 4, 5}},
		{"bottom-right", 2, 2, false, []uint8{5, 6, 0, 8, 9, 0, 0, 0, 0}},
		{"right, mirrored", 2, 1, true, []uint8{2, 1, 0, 5, 4, 0, 8, 7, 0}},
		{"centre, mirrored", 1, 1, true, []uint8{3, 2, 1, 6, 5, 4, 9, 8, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := padCrop(make([]uint8, 9), img, 3, 1, tc.dx, tc.dy, tc.flip)
			if !slices.Equal(got, tc.want) {
				t.Errorf("padCrop(dx %d, dy %d, flip %v) = %v, want %v", tc.dx, tc.dy, tc.flip, got, tc.want)
			}
		})
	}
}

// With crop_pad P every offset in [0, 2P]^2 occurs, the same seed gives the same crops, and
// evaluation (rng nil) never crops.
func TestFillRandomCrop(t *testing.T) {
	const size, pad, n = 4, 1, 400
	img := make([]uint8, size*size)
	for i := range img {
		img[i] = uint8(10 + i)
	}
	imgs := make([][]uint8, n)
	idx := make([]int, n)
	for i := range imgs {
		imgs[i], idx[i] = img, i
	}
	s := testSubset(t, imgs, size, 1, false, []float64{0}, []float64{1})
	s.cropPad = pad
	crops := func(rng *rand.Rand) [][]float32 {
		x, y := make([]float32, n*size*size), make([]int, n)
		if err := s.Fill(idx, x, y, rng); err != nil {
			t.Fatal(err)
		}
		out := make([][]float32, n)
		for k := range out {
			out[k] = x[k*size*size : (k+1)*size*size]
		}
		return out
	}
	seen := map[[2]int]bool{}
	a, b := crops(rand.New(rand.NewPCG(3, 4))), crops(rand.New(rand.NewPCG(3, 4)))
	for k := range a {
		if !slices.Equal(a[k], b[k]) {
			t.Fatalf("image %d: the same seed gives different crops", k)
		}
		found := false
		for dy := 0; dy <= 2*pad && !found; dy++ {
			for dx := 0; dx <= 2*pad && !found; dx++ {
				want := padCrop(make([]uint8, len(img)), img, size, pad, dx, dy, false)
				w := make([]float32, len(want))
				for i, v := range want {
					w[i] = float32(float64(v) / 255)
				}
				if slices.Equal(a[k], w) {
					seen[[2]int{dx, dy}], found = true, true
				}
			}
		}
		if !found {
			t.Fatalf("image %d = %v is no padded crop of the original", k, a[k])
		}
	}
	if len(seen) != (2*pad+1)*(2*pad+1) {
		t.Errorf("%d distinct offsets in %d images, want all %d", len(seen), n, (2*pad+1)*(2*pad+1))
	}
	for k, c := range crops(nil) {
		for i, v := range c {
			if v != float32(float64(img[i])/255) {
				t.Fatalf("evaluation image %d was cropped", k)
			}
		}
	}
}

// FillView presents an image mirrored and shifted exactly as the table says, on one- and
// three-channel images, and rejects a shift the image cannot hold.
func TestFillView(t *testing.T) {
	img := []uint8{ // 3x3, one plane
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}
	rgb := append(append(append([]uint8(nil), img...), img...), img...)
	for _, tc := range []struct {
		name string
		v    View
		want []uint8
	}{
		{"identity", View{}, img},
		{"mirror", View{Flip: true}, []uint8{3, 2, 1, 6, 5, 4, 9, 8, 7}},
		{"shift right and down by one", View{DX: -1, DY: -1}, []uint8{0, 0, 0, 0, 1, 2, 0, 4, 5}},
		{"shift left by one", View{DX: 1}, []uint8{2, 3, 0, 5, 6, 0, 8, 9, 0}},
		{"mirror, then shift left by two", View{Flip: true, DX: 2}, []uint8{1, 0, 0, 4, 0, 0, 7, 0, 0}},
		{"mirror, shift up by one", View{Flip: true, DY: 1}, []uint8{6, 5, 4, 9, 8, 7, 0, 0, 0}},
	} {
		for _, ch := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%dch", tc.name, ch), func(t *testing.T) {
				src := img
				if ch == 3 {
					src = rgb
				}
				s := testSubset(t, [][]uint8{src, src}, 3, ch, true, []float64{0}, []float64{1})
				s.cropPad = 1 // FillView ignores the training crop and flip settings
				x, y := make([]float32, 2*ch*9), make([]int, 2)
				if err := s.FillView([]int{1, 0}, x, y, tc.v); err != nil {
					t.Fatal(err)
				}
				for k := range 2 * ch {
					got := make([]uint8, 9)
					for i, v := range x[k*9 : (k+1)*9] {
						got[i] = uint8(math.Round(float64(v) * 255))
					}
					if !slices.Equal(got, tc.want) {
						t.Fatalf("plane %d = %v, want %v", k, got, tc.want)
					}
				}
				if y[0] != 1 || y[1] != 0 {
					t.Errorf("labels %v, want [1 0]", y)
				}
			})
		}
	}
	s := testSubset(t, [][]uint8{img}, 3, 1, false, []float64{0}, []float64{1})
	if err := s.FillView([]int{0}, make([]float32, 9), make([]int, 1), View{DX: 3}); err == nil {
		t.Error("a shift of 3 on a 3x3 image was accepted")
	}
	if err := s.FillView([]int{1}, make([]float32, 9), make([]int, 1), View{DX: 1}); err == nil {
		t.Error("an index out of range was accepted")
	}
}
