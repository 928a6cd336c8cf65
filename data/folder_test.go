package data

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngRGB encodes a w x h RGB PNG whose pixel (x, y) is (10x, 20y, 7).
func pngRGB(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(10 * x), uint8(20 * y), 7, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngGray encodes a w x h grayscale PNG whose pixel (x, y) is 30x + y.
func pngGray(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{uint8(30*x + y)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegImage encodes a w x h JPEG, grayscale or colour, of smooth content.
func jpegImage(t testing.TB, w, h int, gray bool) []byte {
	t.Helper()
	var img image.Image
	if gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = uint8(i % 200)
		}
		img = g
	} else {
		c := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				c.Set(x, y, color.RGBA{200, uint8(4 * x), uint8(4 * y), 255})
			}
		}
		img = c
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// goodTree writes a valid two-class tree and returns its root.
//
//	cats/a.jpg (colour JPEG 40x30), cats/b.png (RGB PNG), cats/g.png (gray PNG), cats/.DS_Store
//	dogs/c.jpg (colour JPEG), dogs/d.jpg (grayscale JPEG)
//	LICENSE.txt (top level, ignored), .git/ (hidden, ignored)
func goodTree(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	writeFile(t, root, "cats/a.jpg", jpegImage(t, 40, 30, false))
	writeFile(t, root, "cats/b.png", pngRGB(t, 4, 4))
	writeFile(t, root, "cats/g.png", pngGray(t, 4, 4))
	writeFile(t, root, "cats/.DS_Store", []byte{0, 1, 2})
	writeFile(t, root, "dogs/c.jpg", jpegImage(t, 16, 16, false))
	writeFile(t, root, "dogs/d.jpg", jpegImage(t, 20, 24, true))
	writeFile(t, root, "LICENSE.txt", []byte("licence"))
	writeFile(t, root, ".git/HEAD", []byte("ref"))
	return root
}

func folderConfig(root string) Config {
	return Config{Source: SourceFolder, Path: root, ImageSize: 4, Channels: 3, Mean: []float64{0}, Std: []float64{1}, Seed: 1}
}

func TestFolderSource(t *testing.T) {
	root := goodTree(t)
	s, err := Load(folderConfig(root))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Classes, ",") != "cats,dogs" {
		t.Errorf("classes = %v", s.Classes)
	}
	if s.Test != nil || s.Info.Test != nil {
		t.Error("folder source has a test set")
	}
	if s.Train.Len() != 5 || s.Val.Len() != 0 || len(s.Skipped) != 0 {
		t.Fatalf("train %d, val %d, skipped %v", s.Train.Len(), s.Val.Len(), s.Skipped)
	}
	var keys []string
	for i := range s.Train.Len() {
		keys = append(keys, s.Train.Key(i)+"="+itoa(s.Train.Label(i)))
	}
	if got := strings.Join(keys, " "); got != "cats/a.jpg=0 cats/b.png=0 cats/g.png=0 dogs/c.jpg=1 dogs/d.jpg=1" {
		t.Errorf("members = %s", got)
	}
	// Gray images are stored with one channel, colour with three.
	for i, want := range []int{3, 3, 1, 3, 1} {
		if got := len(s.Train.st.imgs[i]) / 16; got != want {
			t.Errorf("%s stored with %d channels, want %d", s.Train.Key(i), got, want)
		}
	}
	x, y := make([]float32, 5*3*16), make([]int, 5)
	if err := s.Train.Fill([]int{0, 1, 2, 3, 4}, x, y, nil); err != nil {
		t.Fatal(err)
	}
	// The 4x4 PNGs are not resized: values are exact. b.png pixel (x, y) = (10x, 20y, 7).
	b := x[48:96]
	for _, p := range []struct{ c, x, y int }{{0, 3, 0}, {1, 0, 2}, {2, 1, 1}} {
		want := float32(float64([]int{10 * p.x, 20 * p.y, 7}[p.c]) / 255)
		if got := b[p.c*16+p.y*4+p.x]; got != want {
			t.Errorf("b.png channel %d (%d, %d) = %v, want %v", p.c, p.x, p.y, got, want)
		}
	}
	// g.png (gray, pixel 30x + y) is replicated to three identical channels.
	g := x[96:144]
	for i := range 16 {
		want := float32(float64(30*(i%4)+i/4) / 255)
		if g[i] != want || g[16+i] != want || g[32+i] != want {
			t.Fatalf("g.png pixel %d = %v/%v/%v, want %v in every channel", i, g[i], g[16+i], g[32+i], want)
		}
	}
	// a.jpg is a lossy JPEG of red 200: check it roughly survived decoding and resizing.
	if r := x[5] * 255; r < 190 || r > 210 {
		t.Errorf("a.jpg red = %v, want about 200", r)
	}
}

func TestFolderErrors(t *testing.T) {
	good := jpegImage(t, 16, 16, false)
	goodPNG := pngRGB(t, 8, 8)
	for _, tc := range []struct {
		name     string
		files    map[string][]byte // relative path -> content; a path ending in "/" is an empty folder
		sentinel error
		want     string // message with ROOT for the tree root; * stands for the standard decoder's own words
	}{
		{"corrupt jpeg", map[string][]byte{"a/1.jpg": good, "a/bad.jpg": good[:len(good)/2], "b/1.png": goodPNG},
			ErrBadImage, "data: ROOT/a/bad.jpg: corrupt image: * (set data.skip_bad: true to skip bad files)"},
		{"truncated png", map[string][]byte{"a/1.jpg": good, "b/1.png": goodPNG, "b/2.png": goodPNG[:60]},
			ErrBadImage, "data: ROOT/b/2.png: corrupt image: * (set data.skip_bad: true to skip bad files)"},
		{"text file", map[string][]byte{"a/1.jpg": good, "a/notes.txt": []byte("hi"), "b/1.png": goodPNG},
			ErrNotImage, `data: ROOT/a/notes.txt: not a JPEG or PNG image: extension ".txt"; only .jpg, .jpeg and .png files are read (set data.skip_bad: true to skip such files)`},
		{"text named jpg", map[string][]byte{"a/1.jpg": good, "a/x.jpg": []byte("hello there"), "b/1.png": goodPNG},
			ErrNotImage, "data: ROOT/a/x.jpg: not a JPEG or PNG image: content is neither JPEG nor PNG (set data.skip_bad: true to skip bad files)"},
		{"two bad files", map[string][]byte{"a/1.jpg": good, "a/x.jpg": []byte("hello"), "b/1.png": goodPNG, "b/y.png": goodPNG[:10]},
			ErrNotImage, "data: ROOT/a/x.jpg: not a JPEG or PNG image: content is neither JPEG nor PNG (and 1 more bad files; set data.skip_bad: true to skip them)"},
		{"empty class", map[string][]byte{"a/1.jpg": good, "b/": nil, "c/1.png": goodPNG},
			ErrEmptyClass, `data: ROOT/b: empty class folder: class "b" has no .jpg, .jpeg or .png files`},
		{"class of hidden files only", map[string][]byte{"a/1.jpg": good, "b/.DS_Store": {1}},
			ErrEmptyClass, `data: ROOT/b: empty class folder: class "b" has no .jpg, .jpeg or .png files`},
		{"one class", map[string][]byte{"daisy/1.jpg": good, "README.md": []byte("x")},
			ErrTooFewClasses, "data: ROOT: too few classes: found 1 class folder (daisy); need at least 2, one sub-folder of images per class"},
		{"no classes", map[string][]byte{"1.jpg": good},
			ErrTooFewClasses, "data: ROOT: too few classes: found no class folders; need at least 2, one sub-folder of images per class"},
		{"nested folder", map[string][]byte{"a/1.jpg": good, "a/more/2.jpg": good, "b/1.png": goodPNG},
			ErrNotImage, `data: ROOT/a/more: not a JPEG or PNG image: a folder inside class folder "a"; class folders must hold image files only`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for p, b := range tc.files {
				if strings.HasSuffix(p, "/") {
					if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeFile(t, root, p, b)
			}
			_, err := Load(folderConfig(root))
			if err == nil {
				t.Fatal("no error")
			}
			if want := strings.ReplaceAll(tc.want, "ROOT", root); !matchMessage(err.Error(), want) {
				t.Errorf("error\n got %s\nwant %s", err, want)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tc.sentinel)
			}
		})
	}
}

// matchMessage reports whether got equals want, where one "*" in want matches any non-empty text.
func matchMessage(got, want string) bool {
	prefix, suffix, wild := strings.Cut(want, "*")
	if !wild {
		return got == want
	}
	return len(got) > len(prefix)+len(suffix) && strings.HasPrefix(got, prefix) && strings.HasSuffix(got, suffix)
}

func TestFolderMissingPath(t *testing.T) {
	root := filepath.Join(t.TempDir(), "flower_photos")
	_, err := Load(folderConfig(root))
	if want := "data: " + root + ": not found: folder does not exist (data.path)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	file := writeFile(t, t.TempDir(), "x.jpg", nil)
	if _, err := Load(folderConfig(file)); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("file as root: err = %v", err)
	}
}

func TestFolderSkipBad(t *testing.T) {
	root := goodTree(t)
	good := jpegImage(t, 16, 16, false)
	writeFile(t, root, "cats/bad.jpg", good[:len(good)/2])
	writeFile(t, root, "dogs/notes.txt", []byte("hi"))
	cfg := folderConfig(root)
	cfg.SkipBad = true
	s, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(root, "dogs/notes.txt") + `: not a JPEG or PNG image: extension ".txt"; only .jpg, .jpeg and .png files are read (set data.skip_bad: true to skip such files)`,
		filepath.Join(root, "cats/bad.jpg") + ": corrupt image: *",
	}
	if len(s.Skipped) != 2 || !matchMessage(s.Skipped[0], want[0]) || !matchMessage(s.Skipped[1], want[1]) {
		t.Errorf("skipped\n got %q\nwant %q", s.Skipped, want)
	}
	if s.Train.Len() != 5 {
		t.Errorf("train has %d images, want the 5 good ones", s.Train.Len())
	}

	// A class whose every image is bad is still an error.
	root = t.TempDir()
	writeFile(t, root, "a/1.jpg", good)
	writeFile(t, root, "b/1.jpg", good[:40])
	cfg = folderConfig(root)
	cfg.SkipBad = true
	if _, err := Load(cfg); !errors.Is(err, ErrEmptyClass) {
		t.Errorf("all-bad class: err = %v, want ErrEmptyClass", err)
	}
}

func TestFolderLimitAndSplit(t *testing.T) {
	root := t.TempDir()
	img := pngGray(t, 6, 6)
	for _, class := range []string{"roses", "daisy", "tulips"} {
		for i := range 12 {
			writeFile(t, root, class+"/"+string(rune('a'+i))+".png", img)
		}
	}
	cfg := folderConfig(root)
	cfg.Limit, cfg.ValFraction = 10, 0.2
	s, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Classes, ",") != "daisy,roses,tulips" {
		t.Errorf("classes not sorted: %v", s.Classes)
	}
	if !equalInts(s.Info.Train, []int{8, 8, 8}) || !equalInts(s.Info.Val, []int{2, 2, 2}) {
		t.Errorf("train %v val %v, want 8 and 2 per class", s.Info.Train, s.Info.Val)
	}
	for _, sub := range []*Subset{s.Train, s.Val} {
		for i := range sub.Len() {
			if k := sub.Key(i); k[len(k)-5] > 'j' { // first 10 files by name: a..j
				t.Errorf("%s holds %s, beyond the limit of 10 per class", sub.Name(), k)
			}
		}
	}
	again, err := Load(cfg)
	if err != nil || again.Info.Hash != s.Info.Hash {
		t.Errorf("reloading gave hash %q (err %v), want %q", again.Info.Hash, err, s.Info.Hash)
	}
}

// FuzzScanFolder builds a folder tree from fuzzed relative paths (one per line) and file content, then
// loads it: the loader must not panic, must report only *FileError-based errors, and anything it
// accepts must be consistent. Seed corpus: testdata/fuzz/FuzzScanFolder.
// Run with: go test ./data -run '^$' -fuzz FuzzScanFolder -fuzztime 10s
func FuzzScanFolder(f *testing.F) {
	f.Add("a/1.png\nb/2.png", pngGray(f, 3, 3), false)
	f.Add("a/1.jpg\nb/x.txt\n.hidden/3.png\ntop.png", jpegImage(f, 8, 8, true), true)
	f.Add("a/\nb/1.png", []byte("not an image"), false)
	f.Fuzz(func(t *testing.T, paths string, content []byte, skipBad bool) {
		root := t.TempDir()
		lines := strings.Split(paths, "\n")
		if len(lines) > 12 {
			lines = lines[:12]
		}
		for _, p := range lines {
			if p == "" || len(p) > 60 || !filepath.IsLocal(p) || strings.ContainsAny(p, "\x00\\:") {
				continue
			}
			if strings.HasSuffix(p, "/") {
				os.MkdirAll(filepath.Join(root, p), 0o755)
				continue
			}
			full := filepath.Join(root, p)
			if os.MkdirAll(filepath.Dir(full), 0o755) != nil {
				continue
			}
			os.WriteFile(full, content, 0o644)
		}
		cfg := folderConfig(root)
		cfg.SkipBad, cfg.Workers = skipBad, 2
		s, err := Load(cfg)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FileError", err, err)
			}
			return
		}
		if len(s.Classes) < 2 {
			t.Fatalf("accepted %d classes", len(s.Classes))
		}
		for i := 1; i < len(s.Classes); i++ {
			if s.Classes[i] <= s.Classes[i-1] {
				t.Fatalf("classes not sorted: %v", s.Classes)
			}
		}
		for c, n := range s.Info.Train {
			if n == 0 {
				t.Fatalf("class %q accepted with no images", s.Classes[c])
			}
		}
		for i := range s.Train.Len() {
			if class, _, _ := strings.Cut(s.Train.Key(i), "/"); class != s.Classes[s.Train.Label(i)] {
				t.Fatalf("%s labelled %d (%s)", s.Train.Key(i), s.Train.Label(i), s.Classes[s.Train.Label(i)])
			}
		}
		x := make([]float32, s.Train.Len()*3*16)
		if err := s.Train.Fill(s.Train.Shuffled(nil), x, make([]int, s.Train.Len()), nil); err != nil {
			t.Fatal(err)
		}
	})
}
