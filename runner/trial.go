package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"inceptionlab/data"
	"inceptionlab/experiments"
	"inceptionlab/internal/fault"
	"inceptionlab/internal/numfmt"
	"inceptionlab/model"
	"inceptionlab/tracking"
)

// Files of a trial folder.
const (
	LastCheckpoint = "last.safetensors" // weights + optimizer state + history, rewritten after every epoch
	BestCheckpoint = "best.safetensors" // weights of the epoch with the best validation top-1
	ClassIndices   = "class_indices.json"
)

// Artifact kinds recorded for a run.
const (
	ArtifactBest    = tracking.KindCheckpointBest
	ArtifactLast    = tracking.KindCheckpointLast
	ArtifactClasses = tracking.KindClassIndices
)

// Checkpoint metadata keys written by the runner (besides the model's own).
const (
	MetaConfigHash = "config_hash"
	MetaClasses    = "classes"        // JSON list of class names, index order
	MetaMean       = "normalize.mean" // JSON list
	MetaStd        = "normalize.std"  // JSON list
	MetaResize     = "resize"         // data.resize (absent in checkpoints from before the key: bilinear)
	MetaEpoch      = "epoch"
	MetaHistory    = "history" // JSON list of Epoch, 1..epoch
	MetaRunID      = "run_id"
)

// rng streams: every random choice derives from (trial seed, stream, epoch), so a resumed trial draws the
// same numbers as an uninterrupted one.
const (
	streamShuffle = 0x5348554646 // "SHUFF"
	streamAugment = 0x4155474d   // "AUGM"
)

// trial is one trial being executed.
type trial struct {
	t     experiments.Trial
	cfg   *experiments.Experiment
	dir   string
	rec   Recorder
	prog  *Progress
	now   func() time.Time
	index int
	total int
	// afterEpoch is Options.AfterEpoch.
	afterEpoch func(trial string)
}

// prepared is everything a trial needs before its run is recorded.
type prepared struct {
	splits  *data.Splits
	net     *model.Net
	history []Epoch
	meta    map[string]string // checkpoint metadata common to every save
	resumed bool
	test    *float64 // test top-1 of the best checkpoint, once evaluated
	sched   model.Schedule
}

// prepare loads the data and builds (or restores) the network. prevID is the newest earlier run of the
// trial ("" if none): a checkpoint to resume must have been written by it or a run it resumed from.
func (tr *trial) prepare(ctx context.Context, prevID string) (*prepared, error) {
	fault.Point(fault.TrialStart)
	cfg := tr.cfg
	splits, err := data.Load(DataConfig(cfg))
	if err != nil {
		return nil, err
	}
	if n := cfg.Model.NumClasses; n != 0 && n != len(splits.Classes) {
		return nil, fmt.Errorf("runner: model.num_classes is %d but the data has %d classes (%v); set it to 0 to take it from the data", n, len(splits.Classes), splits.Classes)
	}
	if splits.Train.Len() == 0 {
		return nil, fmt.Errorf("runner: the training split is empty")
	}
	if err := os.MkdirAll(tr.dir, 0o755); err != nil {
		return nil, fmt.Errorf("runner: creating the trial folder: %w", err)
	}
	if err := data.WriteClassIndices(filepath.Join(tr.dir, ClassIndices), splits.Classes); err != nil {
		return nil, err
	}
	p := &prepared{splits: splits}
	classes := data.EncodeClassList(splits.Classes) // round-trips folder names that are not UTF-8
	mean, _ := json.Marshal(cfg.Data.Normalize.Mean)
	std, _ := json.Marshal(cfg.Data.Normalize.Std)
	p.meta = map[string]string{MetaConfigHash: tr.t.Hash, MetaClasses: classes, MetaMean: string(mean), MetaStd: string(std),
		MetaResize: DataConfig(cfg).Resize}

	spec := cfg.ModelSpec(len(splits.Classes))
	if err := CheckSize(spec, cfg.Train.BatchSize); err != nil {
		return nil, err
	}
	last := filepath.Join(tr.dir, LastCheckpoint)
	if _, err := os.Stat(last); err == nil {
		// Resume only from a checkpoint of this trial's architecture written by this trial's runs: the
		// config_hash metadata alone is a claim anyone's file can make.
		lineage, recorded := []string{}, ""
		if prevID != "" {
			if lineage, err = tr.rec.Lineage(ctx, prevID); err != nil {
				return nil, err
			}
			if recorded, err = tr.rec.ArtifactSHA256(ctx, prevID, ArtifactLast); err != nil {
				return nil, err
			}
		}
		net, meta, err := LoadVerified(last, Verify{ConfigHash: tr.t.Hash, RunIDs: lineage, RecordedSHA256: recorded, Spec: &spec})
		if err != nil {
			return nil, fmt.Errorf("runner: resuming: %w (delete it to start the trial afresh)", err)
		}
		if err := json.Unmarshal([]byte(meta[MetaHistory]), &p.history); err != nil {
			return nil, fmt.Errorf("runner: %s: bad history metadata: %w", last, err)
		}
		if e, _ := strconv.Atoi(meta[MetaEpoch]); e != len(p.history) {
			return nil, fmt.Errorf("runner: %s: epoch %q does not match its history of %d epochs", last, meta[MetaEpoch], len(p.history))
		}
		p.net, p.resumed = net, true
	} else if p.net, err = model.New(spec, uint64(cfg.Seed)); err != nil {
		return nil, err
	}
	if err := p.net.Configure(TrainOptions(cfg)); err != nil {
		if p.resumed {
			return nil, fmt.Errorf("runner: resuming from %s: %w (delete it to start the trial afresh)", last, err)
		}
		return nil, fmt.Errorf("runner: %w", err)
	}
	if p.sched, err = LRSchedule(cfg, stepsPerEpoch(splits.Train.Len(), cfg.Train.BatchSize)); err != nil {
		return nil, err
	}
	return p, nil
}

// stepsPerEpoch is the number of optimizer steps of an epoch of n images in batches of bs: the
// remainder (< one batch) is dropped, and a batch larger than the split becomes the whole split.
func stepsPerEpoch(n, bs int) int {
	if bs > n {
		bs = n
	}
	return n / bs
}

// body trains the remaining epochs and evaluates the best checkpoint on the test split.
func (tr *trial) body(ctx context.Context, run RunRecorder, p *prepared) error {
	cfg := tr.cfg
	for _, ep := range p.history { // a resumed run carries the curve it continues
		if err := run.LogEpoch(ctx, ep); err != nil {
			return err
		}
	}
	if err := run.AddArtifact(ctx, ArtifactClasses, filepath.Join(tr.dir, ClassIndices)); err != nil {
		return err
	}
	best, bestLoss, sinceLoss := bestSoFar(p.history)
	bestPath := filepath.Join(tr.dir, BestCheckpoint)
	for epoch := len(p.history) + 1; epoch <= cfg.Train.Epochs; epoch++ {
		if cfg.Train.EarlyStop.Patience > 0 && sinceLoss >= cfg.Train.EarlyStop.Patience {
			tr.prog.Note(tr.t.Name, fmt.Sprintf("early stop: validation loss has not improved for %d epochs", sinceLoss))
			break
		}
		ep, err := tr.epoch(ctx, p, epoch)
		if err != nil {
			return err
		}
		p.history = append(p.history, ep)
		sel := ep.selected()
		// Without a validation split (data.split.val: 0) nothing chooses among the epochs: the best
		// checkpoint is the latest one.
		improved := sel.Top1 > best || epoch == 1 || !p.validates()
		if improved {
			best = sel.Top1
		}
		if sel.Loss < bestLoss {
			bestLoss, sinceLoss = sel.Loss, 0
		} else {
			sinceLoss++
		}
		// Checkpoints first, then the database: a crash between the two leaves a checkpoint one epoch
		// ahead, and the resumed run re-records the epoch from the checkpoint's history.
		if improved {
			save := p.net.SaveWeights
			if p.net.HasEMA() { // the average is the model the run delivers
				save = p.net.SaveEMAWeights
			}
			if err := save(bestPath, tr.meta(p, run, epoch)); err != nil {
				return err
			}
		}
		last := filepath.Join(tr.dir, LastCheckpoint)
		if err := p.net.SaveTraining(last, tr.meta(p, run, epoch)); err != nil {
			return err
		}
		fault.Point(fault.AfterCheckpoint)
		if err := run.LogEpoch(ctx, ep); err != nil {
			return err
		}
		if err := run.AddArtifact(ctx, ArtifactLast, last); err != nil {
			return err
		}
		if improved {
			if err := run.AddArtifact(ctx, ArtifactBest, bestPath); err != nil {
				return err
			}
		}
		tr.prog.Epoch(tr.t.Name, ep, cfg.Train.Epochs)
		if tr.afterEpoch != nil {
			tr.afterEpoch(tr.t.Name)
		}
	}
	// Record the checkpoints as they are now: a run resumed from a checkpoint whose epoch the killed run
	// did not get to record trains no further epoch, and must not keep that run's older hashes.
	for _, a := range []struct{ kind, path string }{{ArtifactLast, filepath.Join(tr.dir, LastCheckpoint)}, {ArtifactBest, bestPath}} {
		if _, err := os.Stat(a.path); err == nil {
			if err := run.AddArtifact(ctx, a.kind, a.path); err != nil {
				return err
			}
		}
	}
	if p.splits.Test == nil || p.splits.Test.Len() == 0 {
		return nil
	}
	bestNet, _, err := model.Load(bestPath)
	if err != nil {
		return err
	}
	views, err := TTAViews(cfg.Test.TTA, cfg.Data.Augment.CropPad)
	if err != nil {
		return err
	}
	test, err := evaluateSplit(ctx, bestNet, p.splits.Test, cfg.Train.BatchSize, views, true)
	if err != nil {
		return err
	}
	how := "best checkpoint"
	if len(views) > 1 {
		how += fmt.Sprintf(", test.tta %s: mean of %d views", cfg.Test.TTA, len(views))
	}
	tr.prog.Note(tr.t.Name, fmt.Sprintf("test (%s): loss %.4f, top-1 %s, top-5 %s", how, test.loss, numfmt.Percent(test.top1), numfmt.Percent(test.top5)))
	if err := run.SetTestMetrics(ctx, test.loss, test.top1, test.top5); err != nil {
		return err
	}
	if err := tr.recordEvidence(ctx, run, p, bestNet, test.preds); err != nil {
		return err
	}
	p.test = &test.top1
	return nil
}

// recordEvidence stores the best checkpoint's per-example test predictions, a few thumbnails of its
// mistakes, and the confusion matrices of the test and validation splits.
func (tr *trial) recordEvidence(ctx context.Context, run RunRecorder, p *prepared, best *model.Net, preds []ExamplePrediction) error {
	k := best.Spec().NumClasses
	classes := p.splits.Classes
	thumbs, err := thumbnails(p.splits.Test, preds, tr.cfg.Data.Normalize.Mean, tr.cfg.Data.Normalize.Std)
	if err != nil {
		return err
	}
	if err := run.SetEvaluation(ctx, Evaluation{Split: "test", Classes: classes, Confusion: confusion(preds, k),
		Predictions: preds, Thumbnails: thumbs}); err != nil {
		return err
	}
	if !p.validates() {
		return nil
	}
	val, err := evaluateSplit(ctx, best, p.splits.Val, tr.cfg.Train.BatchSize, nil, true)
	if err != nil {
		return err
	}
	return run.SetEvaluation(ctx, Evaluation{Split: "val", Classes: classes, Confusion: confusion(val.preds, k)})
}

// meta is the checkpoint metadata after epoch.
func (tr *trial) meta(p *prepared, run RunRecorder, epoch int) map[string]string {
	m := make(map[string]string, len(p.meta)+3)
	for k, v := range p.meta {
		m[k] = v
	}
	h, _ := json.Marshal(p.history)
	m[MetaHistory] = string(h)
	m[MetaEpoch] = strconv.Itoa(epoch)
	m[MetaRunID] = run.ID()
	return m
}

// validates reports whether the trial holds out a validation split (data.split.val > 0).
func (p *prepared) validates() bool { return p.splits.Val != nil && p.splits.Val.Len() > 0 }

// selected returns the validation metrics that choose the best checkpoint and drive early stopping:
// those of the weight average when the run keeps one, otherwise the raw weights'.
func (e Epoch) selected() Val {
	if e.EMA != nil {
		return *e.EMA
	}
	return Val{Loss: e.ValLoss, Top1: e.ValTop1, Top5: e.ValTop5}
}

// bestSoFar returns the best validation top-1 and loss of a history (of the selected weights, see
// Epoch.selected) and how many epochs have passed since the loss last improved.
func bestSoFar(h []Epoch) (bestTop1, bestLoss float64, sinceLoss int) {
	bestTop1, bestLoss = math.Inf(-1), math.Inf(1)
	for _, e := range h {
		sel := e.selected()
		if sel.Top1 > bestTop1 {
			bestTop1 = sel.Top1
		}
		if sel.Loss < bestLoss {
			bestLoss, sinceLoss = sel.Loss, 0
		} else {
			sinceLoss++
		}
	}
	return bestTop1, bestLoss, sinceLoss
}

// epoch trains one epoch and validates. A cancelled ctx abandons the epoch (nothing of it is kept).
func (tr *trial) epoch(ctx context.Context, p *prepared, epoch int) (Epoch, error) {
	cfg := tr.cfg
	start := tr.now()
	seed := uint64(cfg.Seed)
	train := p.splits.Train
	order := train.Shuffled(rand.New(rand.NewPCG(seed^streamShuffle, uint64(epoch))))
	aug := rand.New(rand.NewPCG(seed^streamAugment, uint64(epoch)))
	bs := cfg.Train.BatchSize
	if bs > len(order) {
		bs = len(order)
	}
	batches := len(order) / bs // the remainder (< one batch) is dropped; the next epoch's shuffle differs
	c, h, w := train.Dims()
	x := make([]float32, bs*c*h*w)
	y := make([]int, bs)
	var sum, mainSum, auxSum float64
	var correct, seen int
	var lr float64
	for b := 0; b < batches; b++ {
		if err := ctx.Err(); err != nil {
			return Epoch{}, err
		}
		// The rate depends only on the step number, so a resumed run continues the schedule exactly.
		lr = p.sched.At(int64(epoch-1)*int64(batches) + int64(b))
		if err := train.Fill(order[b*bs:(b+1)*bs], x, y, aug); err != nil {
			return Epoch{}, err
		}
		res, err := p.net.TrainStep(x, y, lr)
		if err != nil {
			return Epoch{}, fmt.Errorf("runner: epoch %d batch %d: %w", epoch, b+1, err)
		}
		sum += res.Loss * float64(bs)
		mainSum += res.MainLoss * float64(bs)
		auxSum += (res.Loss - res.MainLoss) * float64(bs)
		correct += res.Correct
		seen += bs
		tr.prog.Batch(tr.t.Name, epoch, cfg.Train.Epochs, b+1, batches, tr.now().Sub(start), sum/float64(seen), float64(correct)/float64(seen), seen)
	}
	trainSec := tr.now().Sub(start).Seconds()
	ep := Epoch{Epoch: epoch, LR: lr, TrainLoss: sum / float64(seen), TrainTop1: float64(correct) / float64(seen),
		MainLoss: mainSum / float64(seen), AuxLoss: auxSum / float64(seen), ImagesPerSec: float64(seen) / trainSec}
	if p.validates() {
		var err error
		if ep.ValLoss, ep.ValTop1, ep.ValTop5, err = evaluate(ctx, p.net, p.splits.Val, cfg.Train.BatchSize); err != nil {
			return Epoch{}, err
		}
		if p.net.HasEMA() {
			var v Val
			if err := p.net.WithEMA(func() (err error) {
				v.Loss, v.Top1, v.Top5, err = evaluate(ctx, p.net, p.splits.Val, cfg.Train.BatchSize)
				return err
			}); err != nil {
				return Epoch{}, err
			}
			ep.EMA = &v
		}
	} else {
		ep.ValLoss, ep.ValTop1, ep.ValTop5 = math.NaN(), math.NaN(), math.NaN()
	}
	ep.Seconds = tr.now().Sub(start).Seconds()
	return ep, nil
}

func nan() float64 { return math.NaN() }

// crossEntropy is -log softmax(row)[label], computed stably.
func crossEntropy(row []float32, label int) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s) - float64(row[label])
}
