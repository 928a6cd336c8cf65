package data

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
