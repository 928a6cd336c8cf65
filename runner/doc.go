// Package runner executes experiments: for every trial of a sweep it loads the data, builds the GoogLeNet,
// trains it with Adam, evaluates it on the validation split after every epoch, records each epoch through a
// Recorder, keeps the last and best checkpoints, and finally evaluates the best checkpoint on the test split.
//
// runner is the only package that knows experiments, model and data together. It talks to the run store
// through the small Recorder interface (cmd/runner adapts package tracking to it), so it never speaks SQL.
//
// Trials are resumable: a trial whose config hash already has a FINISHED run is skipped; an interrupted trial
// continues from the training checkpoint in its folder (parameters, optimizer state, epoch and the metric
// history), and the new run re-records the earlier epochs from that checkpoint so every run's curve is
// complete with no epoch missing or duplicated. Every random choice (split, shuffling, flips, dropout)
// derives from the trial seed and the epoch or step, so a resumed trial continues exactly as an
// uninterrupted one would.
//
// A trial is trained by one process at a time: the runner holds an exclusive lock on the trial folder's
// .trial.lock for the trial's life, and the Recorder's StartRun claims the trial in the database; a trial
// held elsewhere is reported as StatusBusy (ErrTrialBusy) and not touched. Under the lock the runner
// removes temporary files an interrupted checkpoint write left, checks sizes against fixed limits and the
// machine's memory before building (CheckSize), and verifies a checkpoint before resuming from it
// (LoadVerified: run id, config hash, architecture). A panic while preparing a trial fails that trial
// only.
//
// Errors are prefixed "runner: ".
package runner
