package data

import (
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
