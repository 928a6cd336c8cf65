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
// Errors are prefixed "runner: ".
package runner
