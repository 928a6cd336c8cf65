package data

import (
	"fmt"
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
// 1/2 (exactly one rng draw per image). rng == nil means no augmentation (evaluation).
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
	for k, i := range idx {
		flip := false
		if rng != nil && s.hflip {
			flip = rng.Uint64()&1 == 1
		}
		m := s.members[i]
		s.tf.write(s.st.imgs[m], x[k*per:(k+1)*per], flip)
		y[k] = int(s.st.labels[m])
	}
	return nil
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
