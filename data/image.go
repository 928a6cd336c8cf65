package data

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io"
	"os"
)

// maxPixels bounds the width*height an image header may declare (64 megapixels), so a corrupt or
// hostile header cannot make the decoder allocate gigabytes.
const maxPixels = 64 << 20

// raster is a decoded image as uint8 planes in CHW order; c is 1 (gray) or 3 (RGB).
type raster struct {
	c, h, w int
	pix     []uint8
}

// decodeImage decodes a JPEG or PNG held in b. Content that is neither format is ErrNotImage; a file
// that claims to be one but cannot be decoded is ErrBadImage. Errors are *FileError naming name.
func decodeImage(b []byte, name string) (raster, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return raster{}, fileErrorf(name, ErrNotImage, "content is neither JPEG nor PNG")
		}
		return raster{}, fileErrorf(name, ErrBadImage, "%v", err)
	}
	if format != "jpeg" && format != "png" {
		return raster{}, fileErrorf(name, ErrNotImage, "content is %s", format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return raster{}, fileErrorf(name, ErrBadImage, "%s of %dx%d pixels; need between 1 and 64 megapixels",
			format, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return raster{}, fileErrorf(name, ErrBadImage, "%v", err)
	}
	return toRaster(img), nil
}

// MaxImageFileBytes bounds the size of one image file (a 64-megapixel PNG compresses well below it).
const MaxImageFileBytes = 64 << 20

// decodeImageFile reads and decodes one JPEG or PNG file. It stats the file first (a device, folder or
// pipe is never read; a file over MaxImageFileBytes is rejected unread) and sniffs the header before
// reading the rest, so a large non-image costs one small read.
func decodeImageFile(path string) (raster, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return raster{}, fileErrorf(path, ErrMissing, "no such file")
		}
		return raster{}, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return raster{}, &FileError{Path: path, Err: err}
	}
	if !info.Mode().IsRegular() {
		return raster{}, fileErrorf(path, ErrNotImage, "not a regular file (mode %v); want a JPEG or PNG file", info.Mode().Type())
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	if !isJPEG(head[:n]) && !isPNG(head[:n]) {
		return raster{}, fileErrorf(path, ErrNotImage, "content is neither JPEG nor PNG")
	}
	if info.Size() > MaxImageFileBytes {
		return raster{}, fileErrorf(path, ErrBadImage, "is %.1f GiB; image files are limited to %d MiB",
			float64(info.Size())/(1<<30), MaxImageFileBytes>>20)
	}
	rest, err := io.ReadAll(io.LimitReader(f, MaxImageFileBytes+1-int64(n)))
	if err != nil {
		return raster{}, &FileError{Path: path, Err: err}
	}
	b := append(head[:n:n], rest...)
	if len(b) > MaxImageFileBytes {
		return raster{}, fileErrorf(path, ErrBadImage, "grew beyond %d MiB while being read", MaxImageFileBytes>>20)
	}
	return decodeImage(b, path)
}

func isJPEG(b []byte) bool { return len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF }

func isPNG(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }

// toRaster converts a decoded image to planes: gray colour models give one plane, all others three.
// Alpha is dropped after compositing over black (premultiplied values).
func toRaster(img image.Image) raster {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	n := w * h
	switch m := img.(type) {
	case *image.Gray:
		r := raster{c: 1, h: h, w: w, pix: make([]uint8, n)}
		for y := 0; y < h; y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(r.pix[y*w:(y+1)*w], m.Pix[off:off+w])
		}
		return r
	case *image.YCbCr:
		r := raster{c: 3, h: h, w: w, pix: make([]uint8, 3*n)}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				rr, gg, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				i := y*w + x
				r.pix[i], r.pix[n+i], r.pix[2*n+i] = rr, gg, bb
			}
		}
		return r
	case *image.RGBA:
		r := raster{c: 3, h: h, w: w, pix: make([]uint8, 3*n)}
		for y := 0; y < h; y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			for x := 0; x < w; x++ {
				p := m.Pix[off+4*x : off+4*x+3 : off+4*x+3]
				i := y*w + x
				r.pix[i], r.pix[n+i], r.pix[2*n+i] = p[0], p[1], p[2]
			}
		}
		return r
	}
	gray := img.ColorModel() == color.GrayModel || img.ColorModel() == color.Gray16Model
	if gray {
		r := raster{c: 1, h: h, w: w, pix: make([]uint8, n)}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g := color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray)
				r.pix[y*w+x] = g.Y
			}
		}
		return r
	}
	r := raster{c: 3, h: h, w: w, pix: make([]uint8, 3*n)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			rr, gg, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA() // premultiplied: over black
			i := y*w + x
			r.pix[i], r.pix[n+i], r.pix[2*n+i] = uint8(rr>>8), uint8(gg>>8), uint8(bb>>8)
		}
	}
	return r
}
