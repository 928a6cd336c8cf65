package data

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// imageExtensions are the file extensions (lower case) read from class folders.
var imageExtensions = map[string]bool{".jpg": true, ".jpeg": true, ".png": true}

// folderFile is one candidate image found by scanFolder.
type folderFile struct {
	path  string // as opened
	rel   string // slash-separated path relative to the root, "daisy/1.jpg"
	label int
}

// folderScan is the result of scanning a folder dataset.
type folderScan struct {
	classes []string
	files   []folderFile // grouped by class, each class in file-name order
	skipped []string     // "path: reason" for entries skipped under skipBad
}

// scanFolder lists root's class folders (sorted; hidden names and plain files at the top level are
// ignored) and their image files, keeping the first limit per class (0 = all). Entries inside a class
// folder that are not .jpg/.jpeg/.png files are errors, or skipped when skipBad; hidden entries are
// ignored. Fewer than two classes, or a class without image files, is always an error.
func scanFolder(root string, limit int, skipBad bool) (*folderScan, error) {
	info, err := os.Stat(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fileErrorf(root, ErrMissing, "folder does not exist (data.path)")
		}
		return nil, &FileError{Path: root, Err: err}
	}
	if !info.IsDir() {
		return nil, fileErrorf(root, ErrMissing, "is a file; data.path must be a folder with one sub-folder per class")
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, &FileError{Path: root, Err: err}
	}
	scan := &folderScan{}
	for _, e := range entries { // os.ReadDir sorts by name
		if hidden(e.Name()) || !isDir(filepath.Join(root, e.Name()), e) {
			continue
		}
		scan.classes = append(scan.classes, e.Name())
	}
	if len(scan.classes) < 2 {
		found := "no class folders"
		if len(scan.classes) == 1 {
			found = fmt.Sprintf("1 class folder (%s)", scan.classes[0])
		}
		return nil, fileErrorf(root, ErrTooFewClasses, "found %s; need at least 2, one sub-folder of images per class", found)
	}
	for label, class := range scan.classes {
		dir := filepath.Join(root, class)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, &FileError{Path: dir, Err: err}
		}
		n := 0
		for _, e := range entries {
			if hidden(e.Name()) {
				continue
			}
			p := filepath.Join(dir, e.Name())
			var bad *FileError
			if isDir(p, e) {
				bad = fileErrorf(p, ErrNotImage, "a folder inside class folder %q; class folders must hold image files only", class)
			} else if ext := strings.ToLower(filepath.Ext(e.Name())); !imageExtensions[ext] {
				bad = fileErrorf(p, ErrNotImage, "extension %q; only .jpg, .jpeg and .png files are read "+
					"(set data.skip_bad: true to skip such files)", filepath.Ext(e.Name()))
			}
			if bad != nil {
				if !skipBad {
					return nil, bad
				}
				scan.skipped = append(scan.skipped, p+": "+bad.Err.Error())
				continue
			}
			if limit > 0 && n >= limit {
				continue
			}
			n++
			scan.files = append(scan.files, folderFile{path: p, rel: path.Join(class, e.Name()), label: label})
		}
		if n == 0 {
			return nil, fileErrorf(dir, ErrEmptyClass, "class %q has no .jpg, .jpeg or .png files", class)
		}
	}
	return scan, nil
}

// hidden reports whether a directory entry name is hidden (".DS_Store", ".git", ...).
func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// isDir reports whether the entry is a folder, following symbolic links.
func isDir(p string, e os.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&os.ModeSymlink != 0 {
		info, err := os.Stat(p)
		return err == nil && info.IsDir()
	}
	return false
}

// loadFolder scans cfg.Path and decodes every image in parallel. Bad images fail the load, naming the
// first bad file in scan order and how many others there are, or are skipped under cfg.SkipBad.
func loadFolder(cfg Config) (classes []string, train *store, skipped []string, err error) {
	scan, err := scanFolder(cfg.Path, cfg.Limit, cfg.SkipBad)
	if err != nil {
		return nil, nil, nil, err
	}
	imgs := make([][]uint8, len(scan.files))
	errs := make([]error, len(scan.files))
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range min(cfg.Workers, len(scan.files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r, err := decodeImageFile(scan.files[i].path)
				if err != nil {
					errs[i] = err
					continue
				}
				imgs[i] = make([]uint8, r.c*cfg.ImageSize*cfg.ImageSize)
				resize(r, cfg.ImageSize, imgs[i], cfg.Resize)
			}
		}()
	}
	for i := range scan.files {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	skipped = scan.skipped
	var firstErr error
	nBad := 0
	st := &store{size: cfg.ImageSize}
	var keys []string
	perClass := make([]int, len(scan.classes))
	for i, f := range scan.files {
		if errs[i] != nil {
			nBad++
			if firstErr == nil {
				firstErr = errs[i]
			}
			var fe *FileError
			if errors.As(errs[i], &fe) {
				skipped = append(skipped, fe.Path+": "+fe.Err.Error())
			} else {
				skipped = append(skipped, f.path+": "+errs[i].Error())
			}
			continue
		}
		st.imgs = append(st.imgs, imgs[i])
		st.labels = append(st.labels, int32(f.label))
		keys = append(keys, f.rel)
		perClass[f.label]++
	}
	if nBad > 0 && !cfg.SkipBad {
		if nBad == 1 {
			return nil, nil, nil, fmt.Errorf("%w (set data.skip_bad: true to skip bad files)", firstErr)
		}
		return nil, nil, nil, fmt.Errorf("%w (and %d more bad files; set data.skip_bad: true to skip them)", firstErr, nBad-1)
	}
	for c, n := range perClass {
		if n == 0 {
			dir := filepath.Join(cfg.Path, scan.classes[c])
			return nil, nil, nil, fileErrorf(dir, ErrEmptyClass, "every image of class %q was skipped as bad", scan.classes[c])
		}
	}
	st.key = func(i int) string { return keys[i] }
	return scan.classes, st, skipped, nil
}
