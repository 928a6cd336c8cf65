// Command mkembed builds the Fashion-MNIST subset that package data embeds as its default source.
//
// It reads the four IDX files of the Debian package dataset-fashion-mnist (apt-get install
// dataset-fashion-mnist; files under /usr/share/datasets/fashion-mnist), keeps the first -train training
// images and the first -test test images of every class, in file order, and writes one gzip stream
// (best compression, no name or time stamp in the header, so the output is reproducible) holding four
// concatenated IDX files: train images, train labels, test images, test labels. The images stay 28x28
// uint8 exactly as in the source files.
//
// Regenerate the committed asset from the repository root with:
//
//	go run ./cmd/internal/tools/mkembed
//
// which is the same as
//
//	go run ./cmd/internal/tools/mkembed -src /usr/share/datasets/fashion-mnist -train 700 -test 100 \
//	    -out data/embedded/fashion_subset.idx.gz
//
// mkembed refuses to write an asset larger than -max-bytes (default 5 MB).
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"inceptionlab/cmd/internal/cli"
	"inceptionlab/data"
	"inceptionlab/internal/atomicfile"
)

// usageErr is a -h (code 0, the usage already printed to stdout) or a flag error (code 2).
type usageErr struct {
	code int
	err  error
}

func (e usageErr) Error() string { return e.err.Error() }

func main() {
	err := run(os.Args[1:], os.Stderr)
	var ue usageErr
	switch {
	case errors.As(err, &ue) && ue.code == 0:
		os.Exit(0)
	case errors.As(err, &ue):
		os.Exit(cli.UsageError(os.Stderr, "mkembed", ue.err))
	case err != nil:
		fmt.Fprintln(os.Stderr, "mkembed:", err)
		os.Exit(1)
	}
}

func run(args []string, log io.Writer) error {
	fs := cli.NewFlagSet("mkembed", "mkembed [-src DIR] [-out FILE] [-train N] [-test N] [-max-bytes N]")
	src := fs.String("src", data.DefaultFashionMNISTPath, "folder with the Fashion-MNIST IDX files (.gz or plain)")
	out := fs.String("out", filepath.Join("data", "embedded", "fashion_subset.idx.gz"), "output file")
	nTrain := fs.Int("train", 700, "training images per class (first in file order)")
	nTest := fs.Int("test", 100, "test images per class (first in file order)")
	maxBytes := fs.Int("max-bytes", 5_000_000, "fail if the compressed output is larger")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return usageErr{0, err}
	} else if err != nil {
		return usageErr{cli.ExitUsage, err}
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *nTrain <= 0 || *nTest <= 0 {
		return fmt.Errorf("-train and -test must be > 0, got %d and %d", *nTrain, *nTest)
	}
	var buf bytes.Buffer
	if err := build(*src, *nTrain, *nTest, &buf); err != nil {
		return err
	}
	if buf.Len() > *maxBytes {
		return fmt.Errorf("output is %d bytes, over the -max-bytes limit of %d; lower -train", buf.Len(), *maxBytes)
	}
	if err := atomicfile.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s: %d bytes (%d train + %d test images per class)\n", *out, buf.Len(), *nTrain, *nTest)
	return nil
}

// build writes the gzip-compressed asset for the files in src to w.
func build(src string, nTrain, nTest int, w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := writeRaw(src, nTrain, nTest, zw); err != nil {
		return err
	}
	return zw.Close()
}

// writeRaw writes the uncompressed concatenation of the four subset IDX files to w.
func writeRaw(src string, nTrain, nTest int, w io.Writer) error {
	for _, set := range []struct {
		images, labels string
		perClass       int
	}{
		{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", nTrain},
		{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", nTest},
	} {
		images, err := readEither(filepath.Join(src, set.images))
		if err != nil {
			return err
		}
		labels, err := readEither(filepath.Join(src, set.labels))
		if err != nil {
			return err
		}
		subImages, subLabels, err := firstPerClass(images, labels, set.perClass, 10)
		if err != nil {
			return fmt.Errorf("%s: %w", set.images, err)
		}
		if err := data.WriteIDX(w, subImages); err != nil {
			return err
		}
		if err := data.WriteIDX(w, subLabels); err != nil {
			return err
		}
	}
	return nil
}

// readEither reads path+".gz", or path when no gzip file exists.
func readEither(path string) (*data.IDX, error) {
	x, err := data.ReadIDXFile(path + ".gz")
	if errors.Is(err, data.ErrMissing) {
		x, err = data.ReadIDXFile(path)
	}
	if errors.Is(err, data.ErrMissing) {
		return nil, fmt.Errorf("%w (apt-get install dataset-fashion-mnist provides the Fashion-MNIST files)", err)
	}
	return x, err
}

// firstPerClass keeps the first perClass images of each of numClasses classes, in file order. Every
// class must have at least perClass images.
func firstPerClass(images, labels *data.IDX, perClass, numClasses int) (*data.IDX, *data.IDX, error) {
	if len(images.Dims) != 3 || len(labels.Dims) != 1 || images.Dims[0] != labels.Dims[0] {
		return nil, nil, fmt.Errorf("images %v and labels %v do not form a dataset", images.Dims, labels.Dims)
	}
	pix := images.Dims[1] * images.Dims[2]
	counts := make([]int, numClasses)
	var outPix, outLabels []byte
	for i, l := range labels.Data {
		if int(l) >= numClasses {
			return nil, nil, fmt.Errorf("label %d of item %d outside [0, %d)", l, i, numClasses)
		}
		if counts[l] < perClass {
			counts[l]++
			outLabels = append(outLabels, l)
			outPix = append(outPix, images.Data[i*pix:(i+1)*pix]...)
		}
	}
	for c, n := range counts {
		if n < perClass {
			return nil, nil, fmt.Errorf("class %d has only %d images, need %d", c, n, perClass)
		}
	}
	n := len(outLabels)
	return &data.IDX{Dims: []int{n, images.Dims[1], images.Dims[2]}, Data: outPix},
		&data.IDX{Dims: []int{n}, Data: outLabels}, nil
}
