package tracking

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from %s (run go test -update if intended)\n--- got ---\n%s", name, path, got)
	}
}

func exportFixture(t *testing.T) *Store {
	s := openMem(t, newClock())
	a := mustStart(t, s, RunInfo{Experiment: "cifar", Trial: "lr=0.1", ConfigHash: "h1", Seed: 1,
		Params: map[string]string{"train.lr": "0.1", "model.aux": "true"}})
	e := epoch(1, 0.5)
	e.TrainLoss = math.NaN()
	mustLog(t, a, epoch(0, 0.25), e)
	a.Finish(ctx, Finished, "")
	b := mustStart(t, s, RunInfo{Experiment: "cifar", Trial: `name "quoted", with comma`, ConfigHash: "h2", Seed: 2,
		Params: map[string]string{"train.lr": "0.01", "data.augment": "flip,crop"}})
	mustLog(t, b, epoch(0, 0.125))
	b.Finish(ctx, Failed, "boom")
	c := mustStart(t, s, RunInfo{Experiment: "mnist", Trial: "base", ConfigHash: "h3", Seed: 3})
	mustLog(t, c, epoch(0, 0.9))
	mustStart(t, s, RunInfo{Experiment: "cifar", Trial: "no epochs", ConfigHash: "h4"})
	return s
}

func TestExport(t *testing.T) {
	s := exportFixture(t)
	for _, tt := range []struct {
		name   string
		format string
		filter Filter
	}{
		{"export_cifar.csv", FormatCSV, Filter{Experiment: "cifar"}},
		{"export_cifar.json", FormatJSON, Filter{Experiment: "cifar"}},
		{"export_all.csv", FormatCSV, Filter{}},
		{"export_none.csv", FormatCSV, Filter{Experiment: "imagenet"}},
		{"export_none.json", FormatJSON, Filter{Experiment: "imagenet"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := s.Export(ctx, &buf, tt.format, tt.filter); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, buf.Bytes())
		})
	}
}

func TestExportParses(t *testing.T) {
	s := exportFixture(t)
	var c, j bytes.Buffer
	if err := s.Export(ctx, &c, FormatCSV, Filter{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Export(ctx, &j, FormatJSON, Filter{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	var objs []map[string]any
	if err := json.Unmarshal(j.Bytes(), &objs); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	if len(recs) != 5 || len(objs) != 4 {
		t.Fatalf("%d CSV records (with header), %d JSON rows; want 5 and 4 (one per epoch)", len(recs), len(objs))
	}
	if objs[1]["train_loss"] != nil || objs[1]["param.train.lr"] != "0.1" || objs[3]["param.train.lr"] != nil {
		t.Fatalf("JSON rows: %v", objs)
	}
	if len(recs[0]) != len(epochColumns)+3 {
		t.Fatalf("header %v: want %d fixed + 3 param columns", recs[0], len(epochColumns))
	}
}

func TestExportErrors(t *testing.T) {
	s := exportFixture(t)
	var buf bytes.Buffer
	if err := s.Export(ctx, &buf, "xml", Filter{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("format xml: %v", err)
	}
	if err := s.Export(ctx, &buf, FormatCSV, Filter{Where: map[string]string{"nope": "1"}}); !errors.Is(err, ErrUnknownParam) {
		t.Fatalf("unknown where key: %v", err)
	}
	if buf.Len() != 0 {
		t.Fatalf("failed exports wrote %q", buf.String())
	}
}
