package runner

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inceptionlab/experiments"
)

// TestRunDirV1 checks that every trial of the configs v1 shipped lives in the folder v1 gave it
// (experiments/testdata/v1/hashes.tsv, recorded by running v1), so an out folder of v1 is found again.
func TestRunDirV1(t *testing.T) {
	f, err := os.Open("../experiments/testdata/v1/hashes.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{} // file/trial -> folder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if c := strings.Split(sc.Text(), "\t"); len(c) == 5 && !strings.HasPrefix(c[0], "#") {
			want[c[0]+"/"+c[2]] = c[4]
		}
	}
	// v1 resized flower photos with plain bilinear; today's default (antialias) is another trial.
	overrides := map[string][]string{"flowers.yaml": {"data.resize=bilinear"}}
	files, _ := filepath.Glob("../experiments/testdata/v1/configs/*.yaml")
	n := 0
	for _, path := range files {
		file := filepath.Base(path)
		t.Run(file, func(t *testing.T) {
			e, err := experiments.Load(path, overrides[file])
			if err != nil {
				t.Fatal(err)
			}
			trials, err := e.Trials()
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range trials {
				n++
				w, ok := want[file+"/"+tr.Name]
				if got := RunDir("out", e.Name, tr.Name, tr.Hash); !ok || got != w {
					t.Errorf("trial %q: folder %s, v1 %s", tr.Name, got, w)
				}
			}
		})
	}
	if n != len(want) || n == 0 {
		t.Errorf("%d trials checked, v1 recorded %d", n, len(want))
	}
}
