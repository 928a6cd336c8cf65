package runner

import "context"

// Recorder stores runs and epochs. cmd/runner adapts package tracking to it; tests may use a fake.
type Recorder interface {
	// FinishedRun returns the id of a FINISHED run of experiment with this config hash, or "".
	FinishedRun(ctx context.Context, experiment, configHash string) (string, error)
	// LatestRun returns the id and status (RUNNING, FINISHED, FAILED, KILLED) of the newest run of
	// experiment with this config hash, or "" and "" when there is none.
	LatestRun(ctx context.Context, experiment, configHash string) (id, status string, err error)
	// Lineage returns id followed by the runs it resumed from, newest first.
	Lineage(ctx context.Context, id string) ([]string, error)
	// ArtifactSHA256 returns the sha256 recorded for the run's artifact of this kind, or "".
	ArtifactSHA256(ctx context.Context, id, kind string) (string, error)
	// StartRun records a new RUNNING run. When another live process holds the trial (a RUNNING run of
	// the same experiment, trial and config hash) the error wraps ErrTrialBusy.
	StartRun(ctx context.Context, info RunInfo) (RunRecorder, error)
}

// RunRecorder records one live run.
type RunRecorder interface {
	ID() string
	// LogEpoch records one epoch atomically.
	LogEpoch(ctx context.Context, e Epoch) error
	// AddArtifact records a file of the run (kind such as checkpoint-best), replacing an earlier record of
	// the same kind and path.
	AddArtifact(ctx context.Context, kind, path string) error
	// SetTestMetrics records the final evaluation on the test split.
	SetTestMetrics(ctx context.Context, loss, top1, top5 float64) error
	// SetEvaluation records the per-example predictions, confusion matrix and class names of one split,
	// replacing an earlier record of that split.
	SetEvaluation(ctx context.Context, e Evaluation) error
	// Execute runs body while keeping the run's heartbeat fresh, then records its outcome: FINISHED when
	// body returns nil, KILLED when ctx was cancelled, FAILED with the error text otherwise (a panic
	// included). It returns body's error.
	Execute(ctx context.Context, body func(context.Context) error) error
}

// RunInfo describes a run as it starts.
type RunInfo struct {
	Experiment, Trial      string
	ConfigText, ConfigHash string
	Seed                   int64
	Params                 map[string]string // flattened resolved config plus derived.* facts
	Threads                int
	ResumedFrom            string
}

// Epoch is one epoch's metrics; accuracies are fractions in [0, 1].
type Epoch struct {
	Epoch        int
	TrainLoss    float64 // mean weighted total loss over the epoch's batches
	TrainTop1    float64
	ValLoss      float64
	ValTop1      float64
	ValTop5      float64
	LR           float64
	Seconds      float64 // training and validation time of the epoch
	ImagesPerSec float64 // training images per second
	MainLoss     float64 // mean main-head cross-entropy
	AuxLoss      float64 // mean weighted aux part: aux weight x sum of aux cross-entropies
	EMA          *Val    `json:",omitempty"` // validation of the moving average of the weights (train.ema), nil without one
}

// Val is one set of validation metrics.
type Val struct {
	Loss, Top1, Top5 float64
}

// Evaluation is the per-example and per-class result of evaluating the best checkpoint on one split.
type Evaluation struct {
	Split       string              // "val" or "test"
	Classes     []string            // class names, index order
	Confusion   [][]int             // Confusion[true][predicted] counts, one row per class
	Predictions []ExamplePrediction // one per example (the runner keeps them for the test split)
	Thumbnails  []Thumbnail         // small PNGs of some examples (misclassified test images)
}

// ExamplePrediction is the model's answer for one example of a split.
type ExamplePrediction struct {
	Example     int // index in the split
	Label, Pred int // true and predicted class
	PTrue       float64
	Top5        []int // most probable classes, best first
}

// Thumbnail is a small PNG of one example.
type Thumbnail struct {
	Example int
	PNG     []byte
}
