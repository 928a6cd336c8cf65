package data

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// FashionMNISTClasses are the Fashion-MNIST label names, by label index.
var FashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// Fashion-MNIST file names (without the optional .gz suffix) and the key prefixes of their images.
const (
	fashionTrainImages = "train-images-idx3-ubyte"
	fashionTrainLabels = "train-labels-idx1-ubyte"
	fashionTestImages  = "t10k-images-idx3-ubyte"
	fashionTestLabels  = "t10k-labels-idx1-ubyte"
)

// idxPair is an images file and its labels file, already parsed.
type idxPair struct {
	images, labels         *IDX
	imagesName, labelsName string
	keyPrefix              string // "train" or "t10k": keys are keyPrefix#item
}

// loadFashionMNIST reads the four IDX files from cfg.Path; the train and test pairs are read and
// decoded concurrently.
func loadFashionMNIST(cfg Config) (train, test *store, err error) {
	var paths [4]string
	for i, base := range []string{fashionTrainImages, fashionTrainLabels, fashionTestImages, fashionTestLabels} {
		if paths[i], err = findIDX(cfg.Path, base); err != nil {
			return nil, nil, err
		}
	}
	var wg sync.WaitGroup
	var trainErr, testErr error
	load := func(imgPath, lblPath, prefix string, limit int, dst **store, errp *error) {
		defer wg.Done()
		var p idxPair
		if p.labels, *errp = ReadIDXFile(lblPath); *errp != nil {
			return
		}
		if p.images, *errp = ReadIDXFile(imgPath); *errp != nil {
			return
		}
		p.imagesName, p.labelsName, p.keyPrefix = imgPath, lblPath, prefix
		*dst, *errp = p.decode(len(FashionMNISTClasses), limit, cfg.ImageSize, max(1, cfg.Workers/2), cfg.Resize)
	}
	wg.Add(2)
	go load(paths[0], paths[1], "train", cfg.Limit, &train, &trainErr)
	go load(paths[2], paths[3], "t10k", cfg.TestLimit, &test, &testErr)
	wg.Wait()
	if trainErr != nil {
		return nil, nil, trainErr
	}
	if testErr != nil {
		return nil, nil, testErr
	}
	return train, test, nil
}

// findIDX returns dir/base.gz or dir/base, whichever exists (gzip preferred).
func findIDX(dir, base string) (string, error) {
	gz := filepath.Join(dir, base+".gz")
	plain := filepath.Join(dir, base)
	for _, p := range []string{gz, plain} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", &FileError{Path: p, Err: err}
		}
	}
	return "", fileErrorf(gz, ErrMissing, "no such file (also tried %s); data.source \"fashion-mnist\" reads the IDX "+
		"files from data.path (default %s), which `apt-get install dataset-fashion-mnist` provides", plain,
		DefaultFashionMNISTPath)
}

// decode validates the pair, keeps the first limit images per class (0 = all) in file order and
// resizes them to size x size (see resize for mode) using workers goroutines.
func (p idxPair) decode(numClasses, limit, size, workers int, mode string) (*store, error) {
	if len(p.labels.Dims) != 1 {
		return nil, fileErrorf(p.labelsName, ErrBadHeader, "labels file has %d dimensions (%s), want 1",
			len(p.labels.Dims), dimString(p.labels.Dims))
	}
	if len(p.images.Dims) != 3 {
		return nil, fileErrorf(p.imagesName, ErrBadHeader, "images file has %d dimensions (%s), want 3 (items, rows, columns)",
			len(p.images.Dims), dimString(p.images.Dims))
	}
	n, h, w := p.images.Dims[0], p.images.Dims[1], p.images.Dims[2]
	if n != p.labels.Dims[0] {
		return nil, fileErrorf(p.imagesName, ErrSizeMismatch, "%d images but %s has %d labels", n, p.labelsName, p.labels.Dims[0])
	}
	perClass := make([]int, numClasses)
	var sel []int
	for i, l := range p.labels.Data {
		if int(l) >= numClasses {
			return nil, fileErrorf(p.labelsName, ErrBadLabel, "label %d of item %d is outside [0, %d)", l, i, numClasses)
		}
		if limit == 0 || perClass[l] < limit {
			perClass[l]++
			sel = append(sel, i)
		}
	}
	st := &store{size: size, imgs: make([][]uint8, len(sel)), labels: make([]int32, len(sel))}
	plane := size * size
	var backing []uint8
	if len(sel) == n && h == size && w == size {
		backing = p.images.Data // already the right size: keep the parsed buffer, no copy
	} else {
		backing = make([]uint8, len(sel)*plane)
	}
	for k, i := range sel {
		st.labels[k] = int32(p.labels.Data[i])
		st.imgs[k] = backing[k*plane : (k+1)*plane : (k+1)*plane]
	}
	if len(sel) != n || h != size || w != size {
		parallelFor(len(sel), workers, func(k int) {
			i := sel[k]
			src := raster{c: 1, h: h, w: w, pix: p.images.Data[i*h*w : (i+1)*h*w]}
			resize(src, size, st.imgs[k], mode)
		})
	}
	prefix := p.keyPrefix
	st.key = func(k int) string { return prefix + "#" + strconv.Itoa(sel[k]) }
	return st, nil
}

// parallelFor runs f(0..n-1) on up to workers goroutines, each taking contiguous chunks.
func parallelFor(n, workers int, f func(i int)) {
	const chunk = 256
	if workers <= 1 || n <= chunk {
		for i := range n {
			f(i)
		}
		return
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				start := next
				next += chunk
				mu.Unlock()
				if start >= n {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					f(i)
				}
			}
		}()
	}
	wg.Wait()
}
