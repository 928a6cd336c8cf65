package experiments

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// v1Trial is one line of testdata/v1/hashes.tsv.
type v1Trial struct {
	File, Name, Hash, Dir string
	Index                 int
}

func readV1Trials(t *testing.T) []v1Trial {
	t.Helper()
	f, err := os.Open("testdata/v1/hashes.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []v1Trial
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 {
			t.Fatalf("hashes.tsv: bad line %q", sc.Text())
		}
		i, err := strconv.Atoi(c[1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v1Trial{File: c[0], Index: i, Name: c[2], Hash: c[3], Dir: c[4]})
	}
	if len(out) == 0 {
		t.Fatal("hashes.tsv: no trials")
	}
	return out
}

// v1Overrides are what a v1 config needs today to describe the same training: flowers (a folder
// source) was resized with plain bilinear by v1, and today's default (antialias) shrinks photos
// differently, so only data.resize=bilinear is v1's trial.
var v1Overrides = map[string][]string{"flowers.yaml": {"data.resize=bilinear"}}

// TestHashV1 checks that every trial of every config v1 shipped keeps the name and hash v1 gave it,
// so a database and out folder of v1 are resumed and skipped, not retrained, after an upgrade.
func TestHashV1(t *testing.T) {
	byFile := map[string][]v1Trial{}
	for _, tr := range readV1Trials(t) {
		byFile[tr.File] = append(byFile[tr.File], tr)
	}
	files, err := filepath.Glob("testdata/v1/configs/*.yaml")
	if err != nil || len(files) != 7 {
		t.Fatalf("testdata/v1/configs: %d files, %v", len(files), err)
	}
	for _, path := range files {
		file := filepath.Base(path)
		t.Run(file, func(t *testing.T) {
			want := byFile[file]
			if len(want) == 0 {
				t.Fatal("no v1 trials recorded")
			}
			e, err := Load(path, v1Overrides[file])
			if err != nil {
				t.Fatal(err)
			}
			trials, err := e.Trials()
			if err != nil {
				t.Fatal(err)
			}
			if len(trials) != len(want) {
				t.Fatalf("%d trials, v1 had %d", len(trials), len(want))
			}
			for i, tr := range trials {
				if tr.Index != want[i].Index || tr.Name != want[i].Name || tr.Hash != want[i].Hash {
					t.Errorf("trial %d %q hash %s, v1: %d %q %s", tr.Index, tr.Name, tr.Hash, want[i].Index, want[i].Name, want[i].Hash)
				}
			}
		})
	}
	t.Run("flowers.yaml/antialias", func(t *testing.T) {
		e, err := Load("testdata/v1/configs/flowers.yaml", nil)
		if err != nil {
			t.Fatal(err)
		}
		if h := e.Hash(); h == byFile["flowers.yaml"][0].Hash {
			t.Errorf("flowers with data.resize=antialias hashes like v1's bilinear trial (%s)", h)
		}
	})
}

var blockIndex = regexp.MustCompile(`\[\d+\]`)

// TestIdentityKeys checks that the keys of today's config are v1's plus laterKeys, so a key added
// later cannot slip into the hash without a neutral value.
func TestIdentityKeys(t *testing.T) {
	data, err := os.ReadFile("testdata/v1/keys.txt")
	if err != nil {
		t.Fatal(err)
	}
	v1 := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if !strings.HasPrefix(l, "#") {
			v1[blockIndex.ReplaceAllString(l, "[]")] = true
		}
	}
	later := map[string]bool{}
	for _, k := range laterKeys {
		if v1[k.path] || later[k.path] {
			t.Errorf("laterKeys: %s is a v1 key or listed twice", k.path)
		}
		later[k.path] = true
	}
	now := map[string]bool{}
	for k := range mustLoad(t, "testdata/v1/configs/smoke.yaml").Flatten() {
		now[blockIndex.ReplaceAllString(k, "[]")] = true
	}
	for k := range now {
		if !v1[k] && !later[k] {
			t.Errorf("key %s is neither a v1 key (testdata/v1/keys.txt) nor in laterKeys: give it its v1-neutral value there", k)
		}
	}
	for k := range v1 {
		if !now[k] {
			t.Errorf("v1 key %s is gone: v1 configs that set it no longer load", k)
		}
	}
	for k := range later {
		if !now[k] {
			t.Errorf("laterKeys names %s, which the config does not have", k)
		}
	}
}

func mustLoad(t *testing.T, path string, set ...string) *Experiment {
	t.Helper()
	e, err := Load(path, set)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestHashLaterKeys checks, for every key added after v1, that today's default keeps the v1 hash
// and a value that trains differently changes it.
func TestHashLaterKeys(t *testing.T) {
	const smoke = "testdata/v1/configs/smoke.yaml"
	base := mustLoad(t, smoke).Hash()
	adamw := mustLoad(t, smoke, "train.optimizer=adamw").Hash()
	tests := []struct {
		name    string
		set     []string
		sameAs1 bool
	}{
		{"defaults", nil, true},
		{"crop_pad=0", []string{"data.augment.crop_pad=0"}, true},
		{"crop_pad=4", []string{"data.augment.crop_pad=4"}, false},
		{"erase=0", []string{"data.augment.erase=0"}, true},
		{"erase=0.5", []string{"data.augment.erase=0.5"}, false},
		{"resize=bilinear", []string{"data.resize=bilinear"}, true},
		{"resize=nearest", []string{"data.resize=nearest"}, false},
		{"momentum=0.9", []string{"train.momentum=0.9"}, true},
		{"momentum=0.5", []string{"train.momentum=0.5"}, false},
		{"nesterov", []string{"train.nesterov=true"}, false},
		{"optimizer=sgd", []string{"train.optimizer=sgd"}, false},
		{"optimizer=adamw", []string{"train.optimizer=adamw"}, false},
		{"weight_decay", []string{"train.optimizer=adamw", "train.weight_decay=0.0001"}, false},
		{"label_smoothing", []string{"train.label_smoothing=0.1"}, false},
		{"schedule=constant", []string{"train.schedule.type=constant"}, true},
		{"schedule=cosine", []string{"train.schedule.type=cosine"}, false},
		{"schedule.every", []string{"train.schedule.type=step", "train.schedule.every=2"}, false},
		{"schedule.factor", []string{"train.schedule.factor=0.5"}, false},
		{"warmup", []string{"train.schedule.warmup_epochs=1"}, false},
		{"min_lr", []string{"train.schedule.min_lr=0.00001"}, false},
		{"pct_start", []string{"train.schedule.pct_start=0.25"}, false},
		{"div_factor", []string{"train.schedule.div_factor=10"}, false},
		{"final_div_factor", []string{"train.schedule.final_div_factor=100"}, false},
		{"ema", []string{"train.ema.decay=0.999"}, false},
		{"tta", []string{"test.tta=hflip"}, false},
	}
	covered := map[string]bool{}
	for _, tc := range tests {
		for _, s := range tc.set {
			covered[strings.SplitN(s, "=", 2)[0]] = true
		}
		t.Run(tc.name, func(t *testing.T) {
			h := mustLoad(t, smoke, tc.set...).Hash()
			if h == adamw && len(tc.set) > 1 {
				t.Errorf("-set %v hashes like -set train.optimizer=adamw", tc.set)
			}
			if (h == base) != tc.sameAs1 {
				t.Errorf("-set %v: hash %s, v1 smoke %s, want same=%v", tc.set, h, base, tc.sameAs1)
			}
		})
	}
	for _, k := range laterKeys {
		if !covered[k.path] {
			t.Errorf("no case sets %s", k.path)
		}
	}
	if !slices.ContainsFunc(laterKeys, func(k laterKey) bool { return k.path == "data.resize" }) {
		t.Error("data.resize is not a later key")
	}
}

// TestIdentityDefaults checks that every later key is neutral in Default on the Fashion-MNIST sources.
func TestIdentityDefaults(t *testing.T) {
	for _, src := range []string{"embedded", "fashion-mnist"} {
		e := Default()
		e.Name = "x"
		e.Data.Source = src
		e.applySourceDefaults()
		for _, k := range laterKeys {
			if !k.neutral(e) {
				t.Errorf("%s: Default's %s is not v1-neutral", src, k.path)
			}
		}
	}
}
