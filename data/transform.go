package data

// transform turns stored uint8 images (native channel count, size x size, CHW) into normalized float32
// CHW tensors with the configured channel count. It is read-only after construction.
type transform struct {
	size     int
	channels int
	mean     []float64
	std      []float64
	lut      [][256]float32 // per output channel: (v/255 - mean)/std
}

func newTransform(size, channels int, mean, std []float64) *transform {
	t := &transform{size: size, channels: channels, mean: mean, std: std, lut: make([][256]float32, channels)}
	for c := range channels {
		for v := range 256 {
			t.lut[c][v] = float32(t.value(float64(v), c))
		}
	}
	return t
}

// value normalizes one pixel value x in [0, 255] for output channel c.
func (t *transform) value(x float64, c int) float64 {
	return (x/255 - t.mean[c]) / t.std[c]
}

// write converts one stored image into dst (len channels*size*size), mirrored left-right when flip.
// Gray images are replicated to three channels; RGB images become gray by BT.601 luma
// (299 R + 587 G + 114 B) / 1000, computed exactly before normalization.
func (t *transform) write(img []uint8, dst []float32, flip bool) {
	s := t.size
	plane := s * s
	native := len(img) / plane
	if native == 3 && t.channels == 1 {
		r, g, b := img[:plane], img[plane:2*plane], img[2*plane:]
		for y := range s {
			for x := range s {
				sx := x
				if flip {
					sx = s - 1 - x
				}
				i := y*s + sx
				luma := float64(299*int(r[i])+587*int(g[i])+114*int(b[i])) / 1000
				dst[y*s+x] = float32(t.value(luma, 0))
			}
		}
		return
	}
	for c := range t.channels {
		src := img[:plane]
		if native == 3 {
			src = img[c*plane : (c+1)*plane]
		}
		lut := &t.lut[c]
		out := dst[c*plane : (c+1)*plane]
		for y := range s {
			row, orow := src[y*s:(y+1)*s], out[y*s:(y+1)*s]
			if flip {
				for x := range orow {
					orow[x] = lut[row[s-1-x]]
				}
			} else {
				for x := range orow {
					orow[x] = lut[row[x]]
				}
			}
		}
	}
}
