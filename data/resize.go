package data

import "math"

// Resize modes (Config.Resize, the data.resize key).
const (
	// ResizeAntialias shrinks with a bilinear (triangle) filter widened by the shrink factor, so every
	// source pixel contributes: PIL's Image.resize with BILINEAR, what torchvision and Keras' image
	// utilities use for photos. Enlarging is plain bilinear. The default.
	ResizeAntialias = "antialias"
	// ResizeBilinear interpolates between the two nearest source pixels in each direction, also when
	// shrinking (no antialiasing: shrinking by more than 2x skips pixels and aliases).
	ResizeBilinear = "bilinear"
	// ResizeNearest takes the source pixel under each output pixel's centre (PIL's NEAREST, the default
	// of Keras' flow_from_directory).
	ResizeNearest = "nearest"
)

// ResizeModes lists the valid Config.Resize values.
var ResizeModes = []string{ResizeAntialias, ResizeBilinear, ResizeNearest}

// resize resizes every plane of src to size x size in the given mode (see the Resize constants) into
// dst, which must hold src.c*size*size bytes. A dimension that is enlarged or kept is handled the same
// in the antialias and bilinear modes, so images at or below the target size (Fashion-MNIST's 28x28 to
// 32x32) come out identical in both.
func resize(src raster, size int, dst []uint8, mode string) {
	switch {
	case src.w == size && src.h == size:
		copy(dst, src.pix)
	case mode == ResizeNearest:
		resizeNearest(src, size, dst)
	case mode == ResizeAntialias && (src.w > size || src.h > size):
		resizeAntialias(src, size, dst)
	default:
		resizeInto(src, size, dst)
	}
}

// resizeNearest maps output pixel x to source pixel floor((x+0.5)*w/size), clamped (PIL's NEAREST).
func resizeNearest(src raster, size int, dst []uint8) {
	xs, ys := nearestTaps(src.w, size), nearestTaps(src.h, size)
	plane := src.w * src.h
	for c := 0; c < src.c; c++ {
		in := src.pix[c*plane : (c+1)*plane]
		out := dst[c*size*size : (c+1)*size*size]
		for y := 0; y < size; y++ {
			row := in[ys[y]*src.w : (ys[y]+1)*src.w]
			for x := range size {
				out[y*size+x] = row[xs[x]]
			}
		}
	}
}

func nearestTaps(in, out int) []int {
	taps := make([]int, out)
	scale := float64(in) / float64(out)
	for i := range taps {
		taps[i] = min(int((float64(i)+0.5)*scale), in-1)
	}
	return taps
}

// filterTaps returns, for each of out output positions, the first source index and the normalised
// weights of the source pixels it averages: PIL's resampling with the bilinear (triangle) filter, whose
// support grows with the shrink factor (scale = in/out when shrinking, 1 otherwise): output i is
// centred on source coordinate (i+0.5)*in/out and source pixel j (centre j+0.5) weighs
// max(0, 1 - |j+0.5-centre|/scale), over the pixels inside the image.
func filterTaps(in, out int) (first []int, weights [][]float64) {
	ratio := float64(in) / float64(out)
	scale := math.Max(ratio, 1)
	first, weights = make([]int, out), make([][]float64, out)
	for i := range out {
		centre := (float64(i) + 0.5) * ratio
		lo := max(int(centre-scale+0.5), 0)
		hi := min(int(centre+scale+0.5), in)
		var w []float64
		var sum float64
		for j := lo; j < hi; j++ {
			v := 1 - math.Abs((float64(j)+0.5-centre)/scale)
			if v < 0 {
				v = 0
			}
			w = append(w, v)
			sum += v
		}
		for k := range w {
			w[k] /= sum
		}
		first[i], weights[i] = lo, w
	}
	return first, weights
}

// resizeAntialias resamples each plane horizontally then vertically with filterTaps, in float64, and
// rounds once at the end.
func resizeAntialias(src raster, size int, dst []uint8) {
	x0, wx := filterTaps(src.w, size)
	y0, wy := filterTaps(src.h, size)
	plane := src.w * src.h
	tmp := make([]float64, src.h*size) // one plane resized horizontally: src.h rows of size
	for c := 0; c < src.c; c++ {
		in := src.pix[c*plane : (c+1)*plane]
		for y := 0; y < src.h; y++ {
			row := in[y*src.w : (y+1)*src.w]
			for x := range size {
				var v float64
				for k, w := range wx[x] {
					v += w * float64(row[x0[x]+k])
				}
				tmp[y*size+x] = v
			}
		}
		out := dst[c*size*size : (c+1)*size*size]
		for y := range size {
			for x := range size {
				var v float64
				for k, w := range wy[y] {
					v += w * tmp[(y0[y]+k)*size+x]
				}
				out[y*size+x] = uint8(min(max(math.Round(v), 0), 255))
			}
		}
	}
}

// resizeInto resizes every plane of src to size x size with bilinear interpolation and writes the
// result (CHW) into dst, which must hold src.c*size*size bytes. Output pixel x samples source
// coordinate (x+0.5)*w/size - 0.5, clamped to [0, w-1] (half-pixel centres, as in TF 2's
// tf.image.resize and OpenCV's INTER_LINEAR); likewise for y. No antialiasing filter is applied when
// shrinking. Results are rounded to the nearest integer.
func resizeInto(src raster, size int, dst []uint8) {
	if src.w == size && src.h == size {
		copy(dst, src.pix)
		return
	}
	x0, x1, wx := bilinearTaps(src.w, size)
	y0, y1, wy := bilinearTaps(src.h, size)
	plane := src.w * src.h
	for c := 0; c < src.c; c++ {
		in := src.pix[c*plane : (c+1)*plane]
		out := dst[c*size*size : (c+1)*size*size]
		for y := 0; y < size; y++ {
			top := in[y0[y]*src.w : (y0[y]+1)*src.w]
			bot := in[y1[y]*src.w : (y1[y]+1)*src.w]
			fy := wy[y]
			row := out[y*size : (y+1)*size]
			for x := range row {
				a, b := float32(top[x0[x]]), float32(top[x1[x]])
				cc, d := float32(bot[x0[x]]), float32(bot[x1[x]])
				t := a + (b-a)*wx[x]
				u := cc + (d-cc)*wx[x]
				v := t + (u-t)*fy
				row[x] = uint8(v + 0.5)
			}
		}
	}
}

// bilinearTaps returns, for each of out output positions, the two neighbouring input indices and the
// weight of the second one.
func bilinearTaps(in, out int) (lo, hi []int, w []float32) {
	lo, hi, w = make([]int, out), make([]int, out), make([]float32, out)
	scale := float64(in) / float64(out)
	for i := range out {
		s := (float64(i)+0.5)*scale - 0.5
		if s < 0 {
			s = 0
		}
		l := int(s)
		if l > in-1 {
			l = in - 1
		}
		h := l + 1
		if h > in-1 {
			h = in - 1
		}
		lo[i], hi[i], w[i] = l, h, float32(s-float64(l))
	}
	return lo, hi, w
}
