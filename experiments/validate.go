package experiments

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"inceptionlab/model/arch"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// validName reports whether s can be used as an experiment or variant name (a folder name).
func validName(s string) bool {
	return nameRE.MatchString(s) && s != "." && s != ".."
}

// Validate checks every value against what is allowed and returns nil, an *Error or Errors.
// Problems name e.File, or the override in e.Overrides that set the key.
func (e *Experiment) Validate() error {
	errs := e.validate()
	overrides, _ := parseOverrides(e.Overrides)
	errs.attribute(e.File, overrides)
	return errs.err()
}

func (e *Experiment) validate() errorList {
	var v errorList
	if e.Name == "" {
		v.add("name", ErrValue, "required: a non-empty name made of A-Z a-z 0-9 _ . -")
	} else if !validName(e.Name) {
		v.add("name", ErrValue, "must use only A-Z a-z 0-9 _ . - (it becomes a folder name), got %q", e.Name)
	}
	e.validateData(&v)
	e.validateModel(&v)
	e.validateTrain(&v)
	e.validateTest(&v)
	return v
}

func (e *Experiment) validateData(v *errorList) {
	d := e.Data
	oneOf(v, "data.source", d.Source, Sources)
	switch d.Source {
	case "folder":
		if d.Path == "" {
			v.add("data.path", ErrValue, "required when data.source is folder: the folder holding one sub-folder per class")
		}
	case "fashion-mnist":
		if d.Path == "" {
			v.add("data.path", ErrValue, "required when data.source is fashion-mnist (default %s)", DefaultFashionMNISTPath)
		}
	case "embedded":
		if d.Path != "" {
			v.add("data.path", ErrValue, "must be empty when data.source is embedded, got %q", d.Path)
		}
	}
	if d.ImageSize < 32 || d.ImageSize > 4096 {
		v.add("data.image_size", ErrValue, "must be in [32, 4096], got %d", d.ImageSize)
	}
	if d.Channels != 1 && d.Channels != 3 {
		v.add("data.channels", ErrValue, "must be 1 or 3, got %d", d.Channels)
	}
	halfOpenUnit(v, "data.split.val", d.Split.Val)
	oneOf(v, "data.resize", d.Resize, Resizes)
	normVector(v, "data.normalize.mean", d.Normalize.Mean, d.Channels, false)
	normVector(v, "data.normalize.std", d.Normalize.Std, d.Channels, true)
	atLeast(v, "data.limit", d.Limit, 0, " (0 = all)")
	atLeast(v, "data.test_limit", d.TestLimit, 0, " (0 = all)")
	atLeast(v, "data.workers", d.Workers, 0, " (0 = all cores)")
	if d.Augment.CropPad < 0 || d.Augment.CropPad > d.ImageSize/2 {
		v.add("data.augment.crop_pad", ErrValue, "must be in [0, %d] (at most half of data.image_size; 0 = off), got %d", d.ImageSize/2, d.Augment.CropPad)
	}
	if !(d.Augment.Erase >= 0 && d.Augment.Erase <= 1) {
		v.add("data.augment.erase", ErrValue, "must be a probability in [0, 1] (0 = off), got %s", formatFloat(d.Augment.Erase))
	}
}

func normVector(v *errorList, key string, xs []float64, channels int, positive bool) {
	if len(xs) != 1 && len(xs) != channels {
		v.add(key, ErrValue, "want 1 value or one per channel (%d), got %d values %s", channels, len(xs), formatFloats(xs))
		return
	}
	for i, x := range xs {
		k := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case positive && !(x > 0 && !math.IsInf(x, 0)):
			v.add(k, ErrValue, "must be > 0 (pixels are in [0,1] units), got %s", formatFloat(x))
		case !positive && !(x >= 0 && x <= 1):
			v.add(k, ErrValue, "must be in [0, 1] (pixels are in [0,1] units), got %s", formatFloat(x))
		}
	}
}

func (e *Experiment) validateModel(v *errorList) {
	m := e.Model
	atLeast(v, "model.num_classes", m.NumClasses, 0, " (0 = take it from the data)")
	if !(m.Width > 0 && !math.IsInf(m.Width, 0)) {
		v.add("model.width", ErrValue, "must be > 0 (a channel multiplier), got %s", formatFloat(m.Width))
	}
	oneOf(v, "model.init", m.Init, Inits)
	halfOpenUnit(v, "model.dropout", m.Dropout)
	halfOpenUnit(v, "model.aux.dropout", m.Aux.Dropout)

	blocks := m.Inception.Blocks
	for _, p := range arch.CheckBlocks(blocks) {
		key := "model.inception.blocks"
		if p.Index >= 0 {
			key = fmt.Sprintf("%s[%d].%s", key, p.Index, p.Field)
		}
		v.add(key, ErrValue, "%s", p.Msg)
	}

	a := m.Aux
	if !(a.Weight >= 0 && !math.IsInf(a.Weight, 0)) {
		v.add("model.aux.weight", ErrValue, "must be >= 0, got %s", formatFloat(a.Weight))
	}
	if a.Enabled {
		if len(a.After) == 0 {
			v.add("model.aux.after", ErrValue, "must name at least one block when model.aux.enabled is true")
		}
		names := make([]string, len(blocks))
		for i, b := range blocks {
			names[i] = b.Name
		}
		for i, name := range a.After {
			key := fmt.Sprintf("model.aux.after[%d]", i)
			switch {
			case !slices.Contains(names, name):
				v.add(key, ErrValue, "%q names no block (blocks: %s)", name, strings.Join(names, ", "))
			case slices.Index(a.After, name) < i:
				v.add(key, ErrValue, "%q is listed twice", name)
			}
		}
	}
}

func (e *Experiment) validateTrain(v *errorList) {
	t := e.Train
	oneOf(v, "train.optimizer", t.Optimizer, Optimizers)
	if !(t.LR > 0 && !math.IsInf(t.LR, 0)) {
		v.add("train.lr", ErrValue, "must be > 0, got %s", formatFloat(t.LR))
	}
	halfOpenUnit(v, "train.momentum", t.Momentum)
	switch t.Optimizer {
	case "sgd":
		if t.Nesterov && t.Momentum == 0 {
			v.add("train.nesterov", ErrValue, "needs train.momentum > 0, got nesterov true with momentum 0")
		}
	case "adam":
		if t.WeightDecay != 0 {
			v.add("train.weight_decay", ErrValue, "adam has no weight decay; use optimizer adamw (decoupled) or sgd (L2), got %s", formatFloat(t.WeightDecay))
		}
	}
	if !(t.WeightDecay >= 0 && !math.IsInf(t.WeightDecay, 0)) {
		v.add("train.weight_decay", ErrValue, "must be >= 0, got %s", formatFloat(t.WeightDecay))
	}
	halfOpenUnit(v, "train.label_smoothing", t.LabelSmoothing)
	halfOpenUnit(v, "train.ema.decay", t.EMA.Decay)
	s := t.Schedule
	oneOf(v, "train.schedule.type", s.Type, Schedules)
	atLeast(v, "train.schedule.every", s.Every, 1, "")
	if !(s.Factor > 0 && s.Factor <= 1) {
		v.add("train.schedule.factor", ErrValue, "must be in (0, 1] (the multiplier per decay; 0.96 = 4%% less), got %s", formatFloat(s.Factor))
	}
	if !(s.WarmupEpochs >= 0 && s.WarmupEpochs <= float64(t.Epochs)) {
		v.add("train.schedule.warmup_epochs", ErrValue, "must be in [0, train.epochs = %d], got %s", t.Epochs, formatFloat(s.WarmupEpochs))
	}
	if s.Type == "onecycle" && s.WarmupEpochs != 0 {
		v.add("train.schedule.warmup_epochs", ErrValue, "must be 0 with type onecycle (it warms up over pct_start), got %s", formatFloat(s.WarmupEpochs))
	}
	if s.MinLR < 0 || math.IsNaN(s.MinLR) || (s.MinLR > 0 && t.LR > 0 && s.MinLR >= t.LR) {
		v.add("train.schedule.min_lr", ErrValue, "must be in [0, train.lr = %s), got %s", formatFloat(t.LR), formatFloat(s.MinLR))
	}
	openUnit(v, "train.schedule.pct_start", s.PctStart)
	if !(s.DivFactor >= 1 && !math.IsInf(s.DivFactor, 0)) {
		v.add("train.schedule.div_factor", ErrValue, "must be >= 1, got %s", formatFloat(s.DivFactor))
	}
	if !(s.FinalDivFactor >= 1 && !math.IsInf(s.FinalDivFactor, 0)) {
		v.add("train.schedule.final_div_factor", ErrValue, "must be >= 1, got %s", formatFloat(s.FinalDivFactor))
	}
	atLeast(v, "train.batch_size", t.BatchSize, 1, "")
	atLeast(v, "train.epochs", t.Epochs, 1, "")
	atLeast(v, "train.early_stop.patience", t.EarlyStop.Patience, 0, " (0 = off)")
	if t.EarlyStop.Patience > 0 && e.Data.Split.Val == 0 {
		v.add("train.early_stop.patience", ErrValue, "needs a validation split to watch, but data.split.val is 0; set data.split.val in (0, 1) or the patience to 0, got %d", t.EarlyStop.Patience)
	}
	atLeast(v, "train.threads", t.Threads, 0, " (0 = all cores)")
}

func (e *Experiment) validateTest(v *errorList) {
	oneOf(v, "test.tta", e.Test.TTA, TTAs)
	if e.Test.TTA == "crops" && e.Data.Augment.CropPad == 0 {
		v.add("test.tta", ErrValue, "crops shifts every test image by data.augment.crop_pad pixels, which is 0; set data.augment.crop_pad > 0 or use hflip")
	}
}

func oneOf(v *errorList, key, got string, valid []string) {
	if !slices.Contains(valid, got) {
		v.add(key, ErrValue, "must be one of %s; got %q", strings.Join(valid, ", "), got)
	}
}

func atLeast(v *errorList, key string, got, lo int, note string) {
	if got < lo {
		if lo == 1 {
			v.add(key, ErrValue, "must be > 0, got %d", got)
			return
		}
		v.add(key, ErrValue, "must be >= %d%s, got %d", lo, note, got)
	}
}

func openUnit(v *errorList, key string, x float64) {
	if !(x > 0 && x < 1) {
		v.add(key, ErrValue, "must be in (0, 1), got %s", formatFloat(x))
	}
}

func halfOpenUnit(v *errorList, key string, x float64) {
	if !(x >= 0 && x < 1) {
		v.add(key, ErrValue, "must be in [0, 1), got %s", formatFloat(x))
	}
}

func formatFloats(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = formatFloat(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
