package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// store holds the decoded images of one source file set (for example the training files), each
// size x size with its native channel count, uint8, CHW.
type store struct {
	size   int
	imgs   [][]uint8 // image i, len 1*size*size or 3*size*size
	labels []int32
	key    func(i int) string // stable identifier, e.g. "daisy/1.jpg" or "train#17"
}

// Subset is one of train, val or test: a view of a store by member indices plus the preprocessing that
// Fill applies. A Subset is immutable and safe for concurrent use; concurrent Fill calls need separate
// *rand.Rand values.
type Subset struct {
	name    string
	st      *store
	members []int // indices into st, ascending (source order)
	tf      *transform
	hflip   bool
	cropPad int
	erase   float64
}

// Name returns "train", "val" or "test".
func (s *Subset) Name() string { return s.name }

// Len returns the number of images.
func (s *Subset) Len() int { return len(s.members) }

// Label returns the class index of image i (0 <= i < Len()).
func (s *Subset) Label(i int) int { return int(s.st.labels[s.members[i]]) }

// Key returns a stable identifier of image i: the file path relative to the folder root for the folder
// source ("daisy/1.jpg"), or the file set and item number for IDX sources ("train#17").
func (s *Subset) Key(i int) string { return s.st.key(s.members[i]) }

// Dims returns the shape of one image as Fill writes it: channels, height, width.
func (s *Subset) Dims() (c, h, w int) { return s.tf.channels, s.tf.size, s.tf.size }

// Fill writes images idx[k] into x[k*C*H*W : (k+1)*C*H*W] as normalized float32 in NCHW order and
// their labels into y[k]. x and y may be longer than needed; the rest is left untouched. A non-nil rng
// enables training augmentation: with Config.HFlip each image is mirrored left-right with probability
// 1/2 (exactly one rng draw per image); with Config.CropPad = P > 0 the (possibly mirrored) image is
// then padded with P black pixels on every side and a window of the original size is cut at offset
// (dx, dy), each in [0, 2P], from one more draw v per image: dx = v mod (2P+1), dy = (v div (2P+1))
// mod (2P+1). With Config.Erase = p > 0, random erasing (Zhong et al., "Random Erasing Data
// Augmentation", 2017) follows: one more draw decides with probability p whether the image is erased;
// if so, [eraseRect] draws a rectangle and every pixel of it, in every channel, is replaced by a
// uniform random byte. rng == nil means no augmentation (evaluation). With HFlip, CropPad and Erase
// off, Fill makes no draws.
func (s *Subset) Fill(idx []int, x []float32, y []int, rng *rand.Rand) error {
	c, h, w := s.Dims()
	per := c * h * w
	if len(x) < len(idx)*per {
		return fmt.Errorf("data: %s.Fill: x holds %d values, need %d for %d images of %dx%dx%d",
			s.name, len(x), len(idx)*per, len(idx), c, h, w)
	}
	if len(y) < len(idx) {
		return fmt.Errorf("data: %s.Fill: y holds %d labels, need %d", s.name, len(y), len(idx))
	}
	for k, i := range idx {
		if i < 0 || i >= len(s.members) {
			return fmt.Errorf("data: %s.Fill: idx[%d] = %d out of range [0, %d)", s.name, k, i, len(s.members))
		}
	}
	var scratch []uint8
	for k, i := range idx {
		flip := false
		if rng != nil && s.hflip {
			flip = rng.Uint64()&1 == 1
		}
		m := s.members[i]
		img := s.st.imgs[m]
		if rng != nil && s.cropPad > 0 {
			n := uint64(2*s.cropPad + 1)
			v := rng.Uint64()
			if scratch == nil {
				scratch = make([]uint8, len(img))
			}
			img = padCrop(scratch[:len(img)], img, s.st.size, s.cropPad, int(v%n), int(v/n%n), flip)
			flip = false
		}
		if rng != nil && s.erase > 0 && unitFloat(rng) < s.erase {
			if x0, y0, ew, eh, ok := eraseRect(rng, s.st.size); ok {
				if scratch == nil {
					scratch = make([]uint8, len(img))
				}
				if &img[0] != &scratch[0] { // never write into the stored image
					img = append(scratch[:0], img...)
				}
				eraseFill(img, s.st.size, x0, y0, ew, eh, rng)
			}
		}
		s.tf.write(img, x[k*per:(k+1)*per], flip)
		y[k] = int(s.st.labels[m])
	}
	return nil
}

// View is one deterministic presentation of an image for test-time augmentation: mirrored left-right
// when Flip, then shifted by (DX, DY) pixels with black pixels filling what the shift uncovers (the
// window at offset (Pad+DX, Pad+DY) of the image padded by Pad = max(|DX|, |DY|) black pixels, the
// same operation as a training crop). The zero View is the image as Fill writes it without augmentation.
type View struct {
	Flip   bool
	DX, DY int
}

// FillView writes images idx[k] into x and their labels into y as Fill does without augmentation,
// but presented as v. A shift must be smaller than the image.
func (s *Subset) FillView(idx []int, x []float32, y []int, v View) error {
	pad := max(abs(v.DX), abs(v.DY))
	if pad >= s.st.size {
		return fmt.Errorf("data: %s.FillView: shift (%d, %d) does not fit a %dx%d image", s.name, v.DX, v.DY, s.st.size, s.st.size)
	}
	if pad == 0 {
		if err := s.Fill(idx, x, y, nil); err != nil {
			return err
		}
		if v.Flip {
			c, h, w := s.Dims()
			for k := range idx {
				mirror(x[k*c*h*w:(k+1)*c*h*w], w)
			}
		}
		return nil
	}
	// Validate shapes and indices the way Fill does (it writes the unshifted images, overwritten below).
	if err := s.Fill(idx, x, y, nil); err != nil {
		return err
	}
	c, h, w := s.Dims()
	var scratch []uint8
	for k, i := range idx {
		img := s.st.imgs[s.members[i]]
		if len(scratch) < len(img) {
			scratch = make([]uint8, len(img))
		}
		crop := padCrop(scratch[:len(img)], img, s.st.size, pad, pad+v.DX, pad+v.DY, v.Flip)
		s.tf.write(crop, x[k*c*h*w:(k+1)*c*h*w], false)
	}
	return nil
}

// mirror reverses every row of width w in x.
func mirror(x []float32, w int) {
	for lo := 0; lo+w <= len(x); lo += w {
		row := x[lo : lo+w]
		for a, b := 0, w-1; a < b; a, b = a+1, b-1 {
			row[a], row[b] = row[b], row[a]
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// padCrop writes into dst (len(img)) the size x size window at offset (dx, dy) of img (planes of
// size x size, mirrored left-right first when flip) padded with pad zero pixels on every side.
func padCrop(dst, img []uint8, size, pad, dx, dy int, flip bool) []uint8 {
	plane := size * size
	for c := 0; c < len(img)/plane; c++ {
		src, out := img[c*plane:(c+1)*plane], dst[c*plane:(c+1)*plane]
		for y := range size {
			sy := y + dy - pad
			row := out[y*size : (y+1)*size]
			if sy < 0 || sy >= size {
				clear(row)
				continue
			}
			for x := range row {
				sx := x + dx - pad
				switch {
				case sx < 0 || sx >= size:
					row[x] = 0
				case flip:
					row[x] = src[sy*size+size-1-sx]
				default:
					row[x] = src[sy*size+sx]
				}
			}
		}
	}
	return dst
}

// Random erasing's rectangle: its area is uniform in [eraseMinArea, eraseMaxArea] of the image and its
// aspect ratio h/w log-uniform in [eraseMinAspect, 1/eraseMinAspect] (the paper's defaults, as in
// torchvision's RandomErasing); a draw that does not fit is redrawn, at most eraseTries times.
const (
	eraseMinArea   = 0.02
	eraseMaxArea   = 0.4
	eraseMinAspect = 0.3
	eraseTries     = 10
)

// unitFloat returns a float64 in [0, 1) from the top 53 bits of one draw.
func unitFloat(rng *rand.Rand) float64 { return float64(rng.Uint64()>>11) / (1 << 53) }

// eraseRect draws random erasing's rectangle for a size x size image: top-left (x0, y0), width w and
// height h, inside the image. ok is false when eraseTries draws all failed to fit (then nothing is
// erased).
func eraseRect(rng *rand.Rand, size int) (x0, y0, w, h int, ok bool) {
	lo, hi := math.Log(eraseMinAspect), math.Log(1/eraseMinAspect)
	for range eraseTries {
		area := (eraseMinArea + (eraseMaxArea-eraseMinArea)*unitFloat(rng)) * float64(size*size)
		r := math.Exp(lo + (hi-lo)*unitFloat(rng))
		h = int(math.Round(math.Sqrt(area * r)))
		w = int(math.Round(math.Sqrt(area / r)))
		if w < 1 || h < 1 || w > size || h > size {
			continue
		}
		x0 = int(boundedUint64(rng, uint64(size-w+1)))
		y0 = int(boundedUint64(rng, uint64(size-h+1)))
		return x0, y0, w, h, true
	}
	return 0, 0, 0, 0, false
}

// eraseFill replaces the w x h rectangle at (x0, y0) of every size x size plane of img by uniform
// random bytes, eight per draw, plane by plane and row by row.
func eraseFill(img []uint8, size, x0, y0, w, h int, rng *rand.Rand) {
	var v uint64
	left := 0
	plane := size * size
	for c := 0; c < len(img)/plane; c++ {
		for y := y0; y < y0+h; y++ {
			row := img[c*plane+y*size+x0 : c*plane+y*size+x0+w]
			for x := range row {
				if left == 0 {
					v, left = rng.Uint64(), 8
				}
				row[x] = uint8(v)
				v >>= 8
				left--
			}
		}
	}
}

// Shuffled returns a random permutation of 0..Len()-1 drawn from rng, the per-epoch batch order; the
// caller chunks it into batches. A nil rng returns the identity order.
func (s *Subset) Shuffled(rng *rand.Rand) []int {
	if rng == nil {
		order := make([]int, len(s.members))
		for i := range order {
			order[i] = i
		}
		return order
	}
	return rng.Perm(len(s.members))
}
