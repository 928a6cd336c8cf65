package tracking

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sampleEval() Evaluation {
	preds := []Prediction{
		{Example: 0, Label: 0, Pred: 0, PTrue: 0.9, Top5: []int{0, 2, 1}},
		{Example: 1, Label: 1, Pred: 2, PTrue: 0.25, Top5: []int{2, 1, 0}},
		{Example: 2, Label: 2, Pred: 2, PTrue: math.NaN(), Top5: nil},
		{Example: 3, Label: 1, Pred: 1, PTrue: 0.5, Top5: []int{1, 0, 2}},
	}
	m, _ := ConfusionOf(preds, 3)
	return Evaluation{Split: SplitTest, Confusion: m, Predictions: preds,
		Thumbnails: []Thumbnail{{Example: 1, PNG: []byte("\x89PNG fake")}}}
}

func TestEvaluationRoundTrip(t *testing.T) {
	s := openMem(t, newClock())
	r := mustStart(t, s, info("exp", "t"))
	if err := r.SetClasses(ctx, []string{"cat", "dog", "emu"}); err != nil {
		t.Fatal(err)
	}
	e := sampleEval()
	if err := r.SetEvaluation(ctx, e); err != nil {
		t.Fatal(err)
	}
	val := Evaluation{Split: SplitVal, Confusion: [][]int{{3, 0, 0}, {1, 2, 0}, {0, 0, 4}}}
	if err := r.SetEvaluation(ctx, val); err != nil {
		t.Fatal(err)
	}
	// Recording a split again replaces it.
	if err := r.SetEvaluation(ctx, e); err != nil {
		t.Fatalf("second SetEvaluation: %v", err)
	}
	classes, err := s.Classes(ctx, r.ID)
	if err != nil || !reflect.DeepEqual(classes, []string{"cat", "dog", "emu"}) {
		t.Fatalf("Classes = %v, %v", classes, err)
	}
	got, err := s.Predictions(ctx, r.ID, SplitTest)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || !math.IsNaN(got[2].PTrue) || got[1].Pred != 2 || !reflect.DeepEqual(got[0].Top5, []int{0, 2, 1}) ||
		got[2].Top5 != nil {
		t.Fatalf("Predictions = %+v", got)
	}
	for name, split := range map[string]struct {
		split string
		want  [][]int
	}{
		"test": {SplitTest, [][]int{{1, 0, 0}, {0, 1, 1}, {0, 0, 1}}},
		"val":  {SplitVal, val.Confusion},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := s.Confusion(ctx, r.ID, split.split)
			if err != nil || !reflect.DeepEqual(m, split.want) {
				t.Fatalf("Confusion = %v, %v; want %v", m, err, split.want)
			}
		})
	}
	if p, _ := s.Predictions(ctx, r.ID, SplitVal); p != nil {
		t.Fatalf("val predictions = %v, want none", p)
	}
	th, err := s.Thumbnails(ctx, r.ID, SplitTest)
	if err != nil || len(th) != 1 || th[0].Example != 1 || string(th[0].PNG) != "\x89PNG fake" {
		t.Fatalf("Thumbnails = %v, %v", th, err)
	}
	if err := r.Finish(ctx, Finished, ""); err != nil {
		t.Fatal(err)
	}
	if err := r.SetEvaluation(ctx, e); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("SetEvaluation after Finish = %v, want ErrNotRunning", err)
	}
}

func TestEvaluationInvalid(t *testing.T) {
	s := openMem(t, newClock())
	r := mustStart(t, s, info("exp", "t"))
	tests := []struct {
		name string
		e    Evaluation
		want string
	}{
		{"split", Evaluation{Split: "train"}, `Evaluation.Split: invalid argument: got "train"`},
		{"not square", Evaluation{Split: SplitVal, Confusion: [][]int{{1, 2}}}, "square matrix"},
		{"negative", Evaluation{Split: SplitVal, Confusion: [][]int{{-1}}}, "counts >= 0"},
		{"duplicate example", Evaluation{Split: SplitTest, Predictions: []Prediction{{Example: 1}, {Example: 1}}},
			"distinct indices"},
		{"negative class", Evaluation{Split: SplitTest, Predictions: []Prediction{{Example: 0, Label: -1}}}, "classes >= 0"},
		{"top5 too long", Evaluation{Split: SplitTest, Predictions: []Prediction{{Example: 0, Top5: make([]int, 6)}}},
			"at most 5"},
		{"empty thumbnail", Evaluation{Split: SplitTest, Thumbnails: []Thumbnail{{Example: 0}}}, "PNG bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.SetEvaluation(ctx, tt.e)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SetEvaluation = %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
	if _, err := ConfusionOf([]Prediction{{Label: 3}}, 3); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ConfusionOf out of range = %v", err)
	}
}

func TestExportEvaluation(t *testing.T) {
	s := openMem(t, newClock())
	r := mustStart(t, s, info("exp", "t"))
	r.SetClasses(ctx, []string{"cat", "dog", "emu"})
	if err := r.SetEvaluation(ctx, sampleEval()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, format, what, want string
	}{
		{"predictions csv", FormatCSV, ExportPredictions,
			"run_id,experiment,trial,seed,split,example,label,label_name,pred,pred_name,correct,p_true,top5\n" +
				"00000001-0000-4000-8000-000000000001,exp,t,7,test,0,0,cat,0,cat,1,0.9,\"0,2,1\"\n" +
				"00000001-0000-4000-8000-000000000001,exp,t,7,test,1,1,dog,2,emu,0,0.25,\"2,1,0\"\n" +
				"00000001-0000-4000-8000-000000000001,exp,t,7,test,2,2,emu,2,emu,1,NaN,\n" +
				"00000001-0000-4000-8000-000000000001,exp,t,7,test,3,1,dog,1,dog,1,0.5,\"1,0,2\"\n"},
		{"confusion json", FormatJSON, ExportConfusion,
			"[\n" +
				`{"run_id":"00000001-0000-4000-8000-000000000001","experiment":"exp","trial":"t","seed":7,"split":"test","label":0,"label_name":"cat","pred":0,"pred_name":"cat","n":1},` + "\n" +
				`{"run_id":"00000001-0000-4000-8000-000000000001","experiment":"exp","trial":"t","seed":7,"split":"test","label":1,"label_name":"dog","pred":1,"pred_name":"dog","n":1},` + "\n" +
				`{"run_id":"00000001-0000-4000-8000-000000000001","experiment":"exp","trial":"t","seed":7,"split":"test","label":1,"label_name":"dog","pred":2,"pred_name":"emu","n":1},` + "\n" +
				`{"run_id":"00000001-0000-4000-8000-000000000001","experiment":"exp","trial":"t","seed":7,"split":"test","label":2,"label_name":"emu","pred":2,"pred_name":"emu","n":1}` + "\n]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := s.ExportEvaluation(ctx, &b, tt.format, tt.what, Filter{}); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
	if err := s.ExportEvaluation(ctx, &bytes.Buffer{}, FormatCSV, "epochs", Filter{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad what = %v", err)
	}
}

func TestMergeCarriesEvaluation(t *testing.T) {
	dir := t.TempDir()
	shardPath := filepath.Join(dir, "shard.db")
	shard, err := Open(shardPath, Options{Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	r := mustStart(t, shard, info("exp", "t"))
	r.SetClasses(ctx, []string{"cat", "dog", "emu"})
	if err := r.SetEvaluation(ctx, sampleEval()); err != nil {
		t.Fatal(err)
	}
	r.Finish(ctx, Finished, "")
	shard.Close()
	main, err := Open(filepath.Join(dir, "main.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer main.Close()
	for i := 0; i < 2; i++ { // merging twice adds nothing the second time
		if _, err := main.Merge(ctx, shardPath); err != nil {
			t.Fatal(err)
		}
	}
	preds, err := main.Predictions(ctx, r.ID, SplitTest)
	if err != nil || len(preds) != 4 {
		t.Fatalf("merged predictions = %v, %v", preds, err)
	}
	m, _ := main.Confusion(ctx, r.ID, SplitTest)
	th, _ := main.Thumbnails(ctx, r.ID, SplitTest)
	cl, _ := main.Classes(ctx, r.ID)
	if len(m) != 3 || len(th) != 1 || len(cl) != 3 {
		t.Fatalf("merged confusion %v, thumbnails %d, classes %v", m, len(th), cl)
	}
}
