package tracking

// Param keys of the facts the runner derives and records with every run, beside the flattened config
// (Run.Params), and that the report and commands read back. Writer and readers use these names, and a
// test in cmd/runner checks that a recorded run carries every key reports.ReadKeys lists.
const (
	DerivedPrefix          = "derived."
	DerivedParams          = "derived.params"           // trainable parameters, aux heads included
	DerivedParamsInference = "derived.params_inference" // parameters of the inference network
	DerivedMACs            = "derived.macs"             // multiply-accumulates per image, inference
	DerivedMACsTrain       = "derived.macs_train"       // per image, training forward pass (aux heads)
	DerivedNumClasses      = "derived.num_classes"
	DerivedTrainImages     = "derived.train_images"
	DerivedValImages       = "derived.val_images"
	DerivedSplitHash       = "derived.split_hash"
	DerivedThreads         = "derived.threads"
	// DerivedThreadFree is "true" when the run's numbers do not depend on its thread count (the
	// built-in SGEMM of builds from 2026-12-02 on), "false" or absent otherwise.
	DerivedThreadFree  = "derived.thread_independent"
	DerivedBuildPrefix = "derived.build."            // + a build fact: go, blas, cpus, commit
	DerivedBLAS        = DerivedBuildPrefix + "blas" // the matrix-multiply implementation
)
