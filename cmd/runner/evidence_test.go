package main

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"inceptionlab/tracking"
)

// TestEvidenceRecorded checks that a finished trial leaves its best checkpoint's per-example test
// predictions, thumbnails of the mistakes, class names and both confusion matrices in the database,
// and that they agree with the recorded test top-1.
func TestEvidenceRecorded(t *testing.T) {
	e := newEnv(t)
	if code, out, errs := e.run(context.Background(), "-config", smoke, "-quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	runs := e.runs("smoke")
	if len(runs) != 1 || runs[0].TestTop1 == nil {
		t.Fatalf("runs = %+v", runs)
	}
	r, st := runs[0], e.store()
	ctx := context.Background()
	classes, err := st.Classes(ctx, r.ID)
	if err != nil || len(classes) != 10 || classes[0] == "" {
		t.Fatalf("classes = %v, %v", classes, err)
	}
	preds, err := st.Predictions(ctx, r.ID, tracking.SplitTest)
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != 80 { // test_limit 8 per class, 10 classes
		t.Fatalf("%d test predictions, want 80", len(preds))
	}
	wrong := 0
	for i, p := range preds {
		if p.Example != i || len(p.Top5) != 5 || p.Top5[0] != p.Pred || p.PTrue <= 0 || p.PTrue > 1 {
			t.Fatalf("prediction %d = %+v", i, p)
		}
		if !p.Correct() {
			wrong++
		}
	}
	if acc := 1 - float64(wrong)/80; math.Abs(acc-*r.TestTop1) > 1e-12 {
		t.Errorf("accuracy from predictions %v, recorded test top-1 %v", acc, *r.TestTop1)
	}
	for _, split := range []string{tracking.SplitTest, tracking.SplitVal} {
		m, err := st.Confusion(ctx, r.ID, split)
		if err != nil || len(m) != 10 {
			t.Fatalf("%s confusion = %v, %v", split, m, err)
		}
		total := 0
		for _, row := range m {
			for _, n := range row {
				total += n
			}
		}
		want := 80
		if split == tracking.SplitVal {
			want, _ = strconv.Atoi(r.Params["derived.val_images"])
		}
		if total != want || want == 0 {
			t.Errorf("%s confusion sums to %d, want %d", split, total, want)
		}
	}
	thumbs, err := st.Thumbnails(ctx, r.ID, tracking.SplitTest)
	if err != nil || len(thumbs) != min(wrong, 48) {
		t.Fatalf("%d thumbnails (%v), want %d", len(thumbs), err, min(wrong, 48))
	}
	for _, th := range thumbs {
		img, err := png.Decode(bytes.NewReader(th.PNG))
		if err != nil || img.Bounds().Dx() != 32 {
			t.Fatalf("thumbnail %d: %v, %v", th.Example, img, err)
		}
		if preds[th.Example].Correct() {
			t.Errorf("thumbnail of correctly classified example %d", th.Example)
		}
	}
}

// reportSpy records, when the output first shows text, whether the report on disk reloads itself.
type reportSpy struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	text   string
	path   string
	seen   bool
	live   bool
	cancel context.CancelFunc
}

func (s *reportSpy) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	if !s.seen && strings.Contains(s.buf.String(), s.text) {
		s.seen = true
		b, _ := os.ReadFile(s.path)
		s.live = strings.Contains(string(b), `http-equiv="refresh"`)
		if s.cancel != nil {
			s.cancel()
		}
	}
	return len(p), nil
}

// TestLiveReport checks that the runner rewrites the report after every epoch, that the report of a
// RUNNING trial reloads itself, and that the report written after an interruption does not.
func TestLiveReport(t *testing.T) {
	e := newEnv(t)
	report := filepath.Join(e.out(), "smoke", "report.html")
	ctx, cancel := context.WithCancel(context.Background())
	spy := &reportSpy{text: "epoch 2/3", path: report, cancel: cancel}
	var errb bytes.Buffer
	args := []string{"-db", e.db(), "-out", e.out(), "-config", smoke, "-set", "train.epochs=3"}
	if code := run(ctx, args, spy, &errb); code != 130 {
		t.Fatalf("exit %d, want 130\n%s\n%s", code, spy.buf.String(), errb.String())
	}
	if !spy.seen || !spy.live {
		t.Fatalf("after epoch 1 the report was not a live (self-reloading) page (seen %v)", spy.seen)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("no report after the interruption: %v", err)
	}
	if strings.Contains(string(b), `http-equiv="refresh"`) || !strings.Contains(string(b), "KILLED") {
		t.Errorf("report after the interruption still reloads itself or does not show the KILLED run")
	}
}
