package tracking

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"sort"
	"strconv"
)

// Export formats accepted by [Store.Export].
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// epochColumns are the fixed columns of an export, in order; the selected
// runs' params follow as "param.<key>" columns, sorted by key.
var epochColumns = []string{
	"run_id", "experiment", "trial", "status", "seed", "config_hash", "epoch",
	"train_loss", "train_top1", "val_loss", "val_top1", "val_top5", "lr",
	"seconds", "images_per_sec", "main_loss", "aux_loss",
	"ema_val_loss", "ema_val_top1", "ema_val_top5",
}

// ParamColumnPrefix prefixes parameter columns in exports.
const ParamColumnPrefix = "param."

// Export writes every epoch of the runs selected by f, one row per epoch
// (runs oldest first, epochs in order), with each run's params as columns.
// format is "csv" (a header row; NaN written as NaN, a param the run lacks
// as an empty cell) or "json" (an array of objects with the same keys in the
// same order; NaN and missing params are null, params are strings).
func (s *Store) Export(ctx context.Context, w io.Writer, format string, f Filter) error {
	if format != FormatCSV && format != FormatJSON {
		return invalid("export format", format, `"csv" or "json"`)
	}
	runs, err := s.Runs(ctx, f)
	if err != nil {
		return err
	}
	keySet := map[string]bool{}
	for _, r := range runs {
		for k := range r.Params {
			keySet[k] = true
		}
	}
	keys := make([]string, 0, len(keySet))
	for k := range keySet {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	header := append([]string(nil), epochColumns...)
	for _, k := range keys {
		header = append(header, ParamColumnPrefix+k)
	}
	out := newRowWriter(w, format, header)
	for _, r := range runs {
		epochs, err := s.Epochs(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, e := range epochs {
			cells := []cell{
				text(r.ID), text(r.Experiment), text(r.Trial), text(string(r.Status)),
				integer(r.Seed), text(r.ConfigHash), integer(int64(e.Epoch)),
				number(e.TrainLoss), number(e.TrainTop1), number(e.ValLoss), number(e.ValTop1), number(e.ValTop5),
				number(e.LR), number(e.Seconds), number(e.ImagesPerSec), number(e.MainLoss), number(e.AuxLoss),
			}
			if e.EMA != nil {
				cells = append(cells, number(e.EMA.Loss), number(e.EMA.Top1), number(e.EMA.Top5))
			} else {
				cells = append(cells, cell{null: true}, cell{null: true}, cell{null: true})
			}
			for _, k := range keys {
				if v, ok := r.Params[k]; ok {
					cells = append(cells, text(v))
				} else {
					cells = append(cells, cell{null: true})
				}
			}
			if err := out.row(cells); err != nil {
				return errorf("export: %w", err)
			}
		}
	}
	if err := out.close(); err != nil {
		return errorf("export: %w", err)
	}
	return nil
}

// cell is one exported value: text is quoted in JSON, num is not, null is
// empty in CSV and null in JSON.
type cell struct {
	s    string
	num  bool
	null bool
}

func text(s string) cell   { return cell{s: s} }
func integer(v int64) cell { return cell{s: strconv.FormatInt(v, 10), num: true} }
func number(f float64) cell {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// CSV readers understand NaN/+Inf/-Inf; JSON has no such numbers.
		return cell{s: strconv.FormatFloat(f, 'g', -1, 64), num: true, null: true}
	}
	return cell{s: strconv.FormatFloat(f, 'g', -1, 64), num: true}
}

type rowWriter interface {
	row([]cell) error
	close() error
}

type csvRows struct {
	w      *csv.Writer
	header []string
	wrote  bool
}

// newRowWriter returns the writer of rows in format (FormatCSV, else JSON lines) under header.
func newRowWriter(w io.Writer, format string, header []string) rowWriter {
	if format == FormatCSV {
		return newCSVRows(w, header)
	}
	return newJSONRows(w, header)
}

func newCSVRows(w io.Writer, header []string) *csvRows {
	return &csvRows{w: csv.NewWriter(w), header: header}
}

func (c *csvRows) start() error {
	if c.wrote {
		return nil
	}
	c.wrote = true
	return c.w.Write(c.header)
}

func (c *csvRows) row(cells []cell) error {
	if err := c.start(); err != nil {
		return err
	}
	rec := make([]string, len(cells))
	for i, v := range cells {
		rec[i] = v.s // a NaN number keeps its text; a missing param is ""
	}
	return c.w.Write(rec)
}

func (c *csvRows) close() error {
	if err := c.start(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

type jsonRows struct {
	w      *bufio.Writer
	header [][]byte // JSON-encoded keys
	n      int
}

func newJSONRows(w io.Writer, header []string) *jsonRows {
	j := &jsonRows{w: bufio.NewWriter(w)}
	for _, h := range header {
		b, _ := json.Marshal(h)
		j.header = append(j.header, b)
	}
	return j
}

func (j *jsonRows) row(cells []cell) error {
	if j.n == 0 {
		j.w.WriteString("[\n")
	} else {
		j.w.WriteString(",\n")
	}
	j.n++
	j.w.WriteByte('{')
	for i, v := range cells {
		if i > 0 {
			j.w.WriteByte(',')
		}
		j.w.Write(j.header[i])
		j.w.WriteByte(':')
		switch {
		case v.null:
			j.w.WriteString("null")
		case v.num:
			j.w.WriteString(v.s)
		default:
			b, err := json.Marshal(v.s)
			if err != nil {
				return err
			}
			j.w.Write(b)
		}
	}
	j.w.WriteByte('}')
	return nil
}

func (j *jsonRows) close() error {
	if j.n == 0 {
		j.w.WriteString("[]\n")
	} else {
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}
