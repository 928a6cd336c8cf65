package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// IDX is a parsed IDX file (the MNIST/Fashion-MNIST container format) of unsigned bytes: a big-endian
// header (two zero bytes, element type 0x08, number of dimensions, then one uint32 per dimension)
// followed by the row-major data. Dims[0] is the number of items.
type IDX struct {
	Dims []int
	Data []byte
}

// maxIDXBytes bounds the data size a header may declare (2 GiB), so a corrupt header cannot make the
// parser reserve absurd amounts of memory. Memory is only ever allocated for data actually present.
const maxIDXBytes = 1 << 31

// idxTypeNames names the element types of the IDX specification, for error messages.
var idxTypeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short", 0x0C: "int", 0x0D: "float", 0x0E: "double",
}

// ReadIDXFile reads a plain or gzip-compressed IDX file. Errors are *FileError values naming path.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fileErrorf(path, ErrMissing, "no such file")
		}
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	return ReadIDX(f, path)
}

// ReadIDX parses one complete IDX file from r, which may be gzip-compressed (detected from the gzip
// magic bytes, not the name). The data must be exactly as long as the header declares: a short file
// is ErrTruncated, a long one ErrSizeMismatch. Only element type 0x08 (unsigned byte) is supported.
// name is used in errors, which are *FileError values.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	src := io.Reader(br)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, gzipError(name, err)
		}
		defer zr.Close()
		src = zr
	}
	return readIDX(src, name, true)
}

// WriteIDX writes x as an uncompressed IDX file of unsigned bytes.
func WriteIDX(w io.Writer, x *IDX) error {
	if len(x.Dims) == 0 || len(x.Dims) > 255 {
		return fmt.Errorf("data: WriteIDX: %d dimensions, want 1 to 255", len(x.Dims))
	}
	n := 1
	hdr := []byte{0, 0, 0x08, byte(len(x.Dims))}
	for _, d := range x.Dims {
		if d <= 0 || int64(d) > 1<<32-1 {
			return fmt.Errorf("data: WriteIDX: dimension %d out of range [1, 2^32)", d)
		}
		n *= d
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
	}
	if n != len(x.Data) {
		return fmt.Errorf("data: WriteIDX: dims %v need %d bytes, data has %d", x.Dims, n, len(x.Data))
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("data: WriteIDX: %w", err)
	}
	if _, err := w.Write(x.Data); err != nil {
		return fmt.Errorf("data: WriteIDX: %w", err)
	}
	return nil
}

// readIDX parses one IDX file from an uncompressed stream. With exact, any byte after the declared
// data is an error; without it, the stream is left positioned after the data (for concatenated files).
func readIDX(r io.Reader, name string, exact bool) (*IDX, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		if rerr := streamError(name, err); rerr != nil {
			return nil, rerr
		}
		return nil, fileErrorf(name, ErrTruncated, "%d bytes, shorter than the 4-byte IDX magic number", n)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fileErrorf(name, ErrBadHeader,
			"magic number 0x%08X does not start with two zero bytes (not an IDX file?)", binary.BigEndian.Uint32(magic[:]))
	}
	if magic[2] != 0x08 {
		kind := idxTypeNames[magic[2]]
		if kind == "" {
			kind = "unknown"
		}
		return nil, fileErrorf(name, ErrBadHeader,
			"element type 0x%02X (%s); only 0x08 (unsigned byte) is supported", magic[2], kind)
	}
	nd := int(magic[3])
	if nd == 0 {
		return nil, fileErrorf(name, ErrBadHeader, "0 dimensions; need at least 1")
	}
	hdr := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, hdr); err != nil {
		if rerr := streamError(name, err); rerr != nil {
			return nil, rerr
		}
		return nil, fileErrorf(name, ErrTruncated,
			"header declares %d dimensions (%d bytes) but only %d bytes follow the magic number", nd, 4*nd, n)
	}
	dims := make([]int, nd)
	total := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(hdr[4*i:]))
		if d == 0 {
			return nil, fileErrorf(name, ErrBadHeader, "dimension %d is 0; every dimension must be > 0", i)
		}
		dims[i] = int(d)
		total *= d
		if total > maxIDXBytes {
			return nil, fileErrorf(name, ErrBadHeader, "header dimensions %s exceed the 2 GiB data limit", dimString(dims[:i+1]))
		}
	}
	data, err := readUpTo(r, int(total))
	if err != nil {
		return nil, gzipError(name, err)
	}
	if len(data) < int(total) {
		return nil, fileErrorf(name, ErrTruncated, "header declares %s (%d bytes of data) but only %d bytes follow the header",
			dimString(dims), total, len(data))
	}
	if exact {
		extra, err := io.Copy(io.Discard, r)
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fileErrorf(name, ErrTruncated, "gzip stream ends early, after the declared data")
			}
			return nil, gzipError(name, err)
		}
		if extra > 0 {
			return nil, fileErrorf(name, ErrSizeMismatch, "header declares %s (%d bytes of data) but %d more bytes follow",
				dimString(dims), total, extra)
		}
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// readUpTo reads until n bytes or end of stream, growing its buffer only as data arrives.
func readUpTo(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<24))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*cap(buf)+1<<16))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return buf, nil // the caller reports the shortfall with context
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// streamError returns nil for the end-of-data errors of io.ReadFull, which callers report with their
// own context, and a *FileError for anything else (a gzip checksum or header error, an I/O error).
func streamError(name string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return gzipError(name, err)
}

// gzipError classifies an error from the gzip layer or the file underneath it.
func gzipError(name string, err error) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fileErrorf(name, ErrTruncated, "gzip stream ends early")
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return &FileError{Path: name, Err: fmt.Errorf("corrupt gzip stream: %w", err)}
	}
	return &FileError{Path: name, Err: fmt.Errorf("reading: %w", err)}
}

// dimString formats dims as "60000 items of 28x28" (or "60000 items" for one dimension).
func dimString(dims []int) string {
	s := fmt.Sprintf("%d items", dims[0])
	if len(dims) > 1 {
		parts := make([]string, len(dims)-1)
		for i, d := range dims[1:] {
			parts[i] = itoa(d)
		}
		s += " of " + strings.Join(parts, "x")
	}
	return s
}
