package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// eraseRect's rectangles lie inside the image, cover the area and aspect ranges it documents (up to
// rounding to whole pixels), and reach every edge.
func TestEraseRect(t *testing.T) {
	const size, n = 32, 20000
	rng := rand.New(rand.NewPCG(1, 2))
	var minA, maxA = math.Inf(1), math.Inf(-1)
	var minR, maxR = math.Inf(1), math.Inf(-1)
	left, right, top, bottom := false, false, false, false
	misses := 0
	for range n {
		x0, y0, w, h, ok := eraseRect(rng, size)
		if !ok {
			misses++
			continue
		}
		if x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0+w > size || y0+h > size {
			t.Fatalf("rectangle (%d, %d) %dx%d outside a %dx%d image", x0, y0, w, h, size, size)
		}
		a := float64(w*h) / (size * size)
		minA, maxA = math.Min(minA, a), math.Max(maxA, a)
		r := float64(h) / float64(w)
		minR, maxR = math.Min(minR, r), math.Max(maxR, r)
		left, top = left || x0 == 0, top || y0 == 0
		right, bottom = right || x0+w == size, bottom || y0+h == size
	}
	if minA < 0.015 || minA > 0.03 || maxA < 0.35 || maxA > 0.45 {
		t.Errorf("areas span [%.3f, %.3f] of the image, want about [%.2f, %.2f]", minA, maxA, eraseMinArea, eraseMaxArea)
	}
	if minR > 0.4 || minR < 0.25 || maxR < 2.5 || maxR > 4 {
		t.Errorf("aspect ratios span [%.2f, %.2f], want about [%.2f, %.2f]", minR, maxR, eraseMinAspect, 1/eraseMinAspect)
	}
	if !(left && right && top && bottom) {
		t.Errorf("edges reached: left %v right %v top %v bottom %v, want all", left, right, top, bottom)
	}
	if misses > n/100 {
		t.Errorf("%d of %d draws found no rectangle in %d tries", misses, n, eraseTries)
	}
}

// Fill with data.augment.erase p erases about p of the training images with one rectangle shared by
// all channels, the same seed erases the same way, the stored images are never written, evaluation
// never erases, and p = 0 makes no draw at all (so runs without erasing are unchanged).
func TestFillRandomErasing(t *testing.T) {
	const size, ch, n, grey = 16, 3, 2000, 100
	imgs := make([][]uint8, n)
	idx := make([]int, n)
	for i := range imgs {
		imgs[i] = slices.Repeat([]uint8{grey}, ch*size*size)
		idx[i] = i
	}
	s := testSubset(t, imgs, size, ch, false, []float64{0}, []float64{1})
	per := ch * size * size
	fill := func(rng *rand.Rand) []float32 {
		x, y := make([]float32, n*per), make([]int, n)
		if err := s.Fill(idx, x, y, rng); err != nil {
			t.Fatal(err)
		}
		return x
	}
	g := float32(float64(grey) / 255)

	s.erase = 0.5
	a, b := fill(rand.New(rand.NewPCG(5, 6))), fill(rand.New(rand.NewPCG(5, 6)))
	if !slices.Equal(a, b) {
		t.Fatal("the same seed erases differently")
	}
	erased := 0
	for k := range n {
		img := a[k*per : (k+1)*per]
		var boxes [ch][4]int // per channel: min x, min y, max x, max y of the changed pixels
		changed := 0
		for c := range ch {
			boxes[c] = [4]int{size, size, -1, -1}
			for i, v := range img[c*size*size : (c+1)*size*size] {
				if v != g {
					x, y := i%size, i/size
					bx := &boxes[c]
					bx[0], bx[1], bx[2], bx[3] = min(bx[0], x), min(bx[1], y), max(bx[2], x), max(bx[3], y)
					changed++
				}
			}
		}
		if changed == 0 {
			continue
		}
		erased++
		for c := 1; c < ch; c++ { // a random byte may equal grey at a corner: allow one pixel
			for j := range 4 {
				if d := boxes[c][j] - boxes[0][j]; d < -1 || d > 1 {
					t.Fatalf("image %d: channel %d erased box %v, channel 0 %v: not one rectangle", k, c, boxes[c], boxes[0])
				}
			}
		}
		bx := boxes[0]
		if area := float64((bx[2]-bx[0]+1)*(bx[3]-bx[1]+1)) / (size * size); area > 0.5 {
			t.Fatalf("image %d: erased box %v covers %.2f of the image, more than %.2f", k, bx, area, eraseMaxArea)
		}
	}
	if f := float64(erased) / n; math.Abs(f-0.5) > 0.05 {
		t.Errorf("%.3f of the images erased with p 0.5", f)
	}
	for i, img := range imgs {
		if slices.ContainsFunc(img, func(v uint8) bool { return v != grey }) {
			t.Fatalf("stored image %d was written", i)
		}
	}

	for _, x := range [][]float32{fill(nil)} {
		if slices.ContainsFunc(x, func(v float32) bool { return v != g }) {
			t.Error("evaluation (rng nil) erased")
		}
	}

	s.erase = 1
	s.cropPad = 2
	x := fill(rand.New(rand.NewPCG(7, 8)))
	for k := range n { // crop then erase: a crop alone only adds black (0), erasing adds other bytes
		img := x[k*per : (k+1)*per]
		if !slices.ContainsFunc(img, func(v float32) bool { return v != g && v != 0 }) {
			t.Fatalf("image %d not erased with p 1 after a crop", k)
		}
	}

	s.erase, s.cropPad = 0, 0
	rng := rand.New(rand.NewPCG(9, 10))
	if x := fill(rng); slices.ContainsFunc(x, func(v float32) bool { return v != g }) {
		t.Error("p 0 changed an image")
	}
	if got, want := rng.Uint64(), rand.New(rand.NewPCG(9, 10)).Uint64(); got != want {
		t.Error("p 0 drew from the generator")
	}
}
