package data

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
)

// embeddedAsset is a stratified Fashion-MNIST subset built by cmd/internal/tools/mkembed: one gzip stream of four
// concatenated IDX files (train images, train labels, test images, test labels), 700 training and 100
// test images per class, 28x28. Provenance and licence: embedded/README.md.
//
//go:embed embedded/fashion_subset.idx.gz
var embeddedAsset []byte

// embeddedName prefixes the names of the embedded IDX members in errors.
const embeddedName = "embedded:fashion_subset.idx.gz"

// loadEmbedded decodes the embedded subset.
func loadEmbedded(cfg Config) (train, test *store, err error) {
	return loadEmbeddedFrom(embeddedAsset, cfg)
}

// loadEmbeddedFrom decodes an asset in the embedded format; it is separate for tests.
func loadEmbeddedFrom(asset []byte, cfg Config) (train, test *store, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(asset))
	if err != nil {
		return nil, nil, gzipError(embeddedName, err)
	}
	defer zr.Close()
	var parts [4]*IDX
	names := [4]string{
		embeddedName + "#" + fashionTrainImages, embeddedName + "#" + fashionTrainLabels,
		embeddedName + "#" + fashionTestImages, embeddedName + "#" + fashionTestLabels,
	}
	for i := range parts {
		if parts[i], err = readIDX(zr, names[i], false); err != nil {
			return nil, nil, err
		}
	}
	if extra, err := io.Copy(io.Discard, zr); err != nil {
		return nil, nil, gzipError(embeddedName, err)
	} else if extra > 0 {
		return nil, nil, fileErrorf(embeddedName, ErrSizeMismatch, "%d bytes follow the four IDX files", extra)
	}
	pairs := []idxPair{
		{images: parts[0], labels: parts[1], imagesName: names[0], labelsName: names[1], keyPrefix: "embedded-train"},
		{images: parts[2], labels: parts[3], imagesName: names[2], labelsName: names[3], keyPrefix: "embedded-t10k"},
	}
	if train, err = pairs[0].decode(len(FashionMNISTClasses), cfg.Limit, cfg.ImageSize, cfg.Workers, cfg.Resize); err != nil {
		return nil, nil, err
	}
	if test, err = pairs[1].decode(len(FashionMNISTClasses), cfg.TestLimit, cfg.ImageSize, cfg.Workers, cfg.Resize); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}
