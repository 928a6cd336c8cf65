package tracking

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Execute runs body and finishes the run according to how it ended:
//
//   - nil: FINISHED;
//   - ctx was cancelled and body returned an error matching
//     context.Canceled: KILLED, with context.Cause(ctx) as the error text
//     (signal.NotifyContext gives "terminated signal received");
//   - any other error: FAILED with the error text;
//   - a panic: FAILED with the panic value and stack; Execute recovers it and
//     returns an error wrapping [ErrPanicked].
//
// The final write uses a context detached from ctx's cancellation, so a
// killed run is still recorded. Execute returns body's error (joined with
// any error from recording the end).
func (r *Run) Execute(ctx context.Context, body func(context.Context) error) (err error) {
	final := context.WithoutCancel(ctx)
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		err = errorf("run %s: %w: %v", r.ID, ErrPanicked, p)
		text := fmt.Sprintf("panic: %v\n\n%s", p, debug.Stack())
		if ferr := r.Finish(final, Failed, text); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}()
	berr := body(ctx)
	status, text := Finished, ""
	switch {
	case berr == nil:
	case ctx.Err() != nil && errors.Is(berr, context.Canceled):
		status, text = Killed, context.Cause(ctx).Error()
	default:
		status, text = Failed, berr.Error()
	}
	if ferr := r.Finish(final, status, text); ferr != nil {
		return errors.Join(berr, ferr)
	}
	return berr
}

// StartHeartbeat bumps the run's heartbeat every interval (use
// DefaultHeartbeatEvery, well inside the store's StaleAfter) until stop is
// called or ctx ends, so an epoch longer than StaleAfter does not get the
// live run reaped. stop waits for the goroutine and returns the first
// heartbeat error; the loop ends early if the run is no longer RUNNING.
func (r *Run) StartHeartbeat(ctx context.Context, every time.Duration) (stop func() error) {
	if every <= 0 {
		every = DefaultHeartbeatEvery
	}
	ctx, cancel := context.WithCancel(ctx)
	var (
		wg    sync.WaitGroup
		first error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := r.Heartbeat(ctx)
			if err == nil || ctx.Err() != nil {
				continue
			}
			if first == nil {
				first = err
			}
			if errors.Is(err, ErrNotRunning) || errors.Is(err, ErrNotFound) {
				return
			}
		}
	}()
	var once sync.Once
	return func() error {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
		return first
	}
}
