package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gardenfleet/gardenfleet/fleet"
	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/render"
)

// DefaultTimeout bounds the evaluation of one fleet by validate, render and plan.
const DefaultTimeout = 5 * time.Minute

// bounded runs work in a goroutine and returns as soon as it ends, timeout
// passes or ctx is done (Ctrl-C): CUE evaluation cannot be cancelled
// in-process, so the command must not wait for it. work gets a context with
// the timeout for what can be cancelled; what says what it does to input
// ("evaluating the fleet"), for messages. A fleet that takes
// longer than timeout is refused (exit 1); a run interrupted by a signal is
// no verdict on the fleet (exit 2). A panic in work is an internal error on
// input (exit 1).
func bounded[T any](ctx context.Context, input, what string, timeout time.Duration, work func(context.Context) (T, error)) (T, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.err = internalError(input, p)
			}
			done <- r
		}()
		r.v, r.err = work(wctx)
	}()
	var zero T
	select {
	case r := <-done:
		if r.err == nil || wctx.Err() == nil {
			return r.v, r.err
		}
		// work failed because the context ended: say why it ended.
	case <-wctx.Done():
	}
	if ctx.Err() != nil {
		return zero, &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: interrupted %s: %w", input, what, context.Cause(ctx))}
	}
	if errors.Is(wctx.Err(), context.DeadlineExceeded) {
		return zero, failure(fmt.Errorf("%s: timed out after %s %s", input, timeout, what))
	}
	return zero, wctx.Err()
}

// internalError reports a panic as a failure on input: a bug, but the input
// triggered it.
func internalError(input string, p any) error {
	return failure(fmt.Errorf("%s: internal error: %v", input, p))
}

func addTimeoutFlag(cmd *cobra.Command, timeout *time.Duration) {
	cmd.Flags().DurationVar(timeout, "timeout", DefaultTimeout, "refuse a fleet that takes longer than this to evaluate (and to read a base or ask a cluster about)")
}

// loadAndRenderBounded is loadAndRender within timeout, memory and ctx.
// With adm, Gardener's own checks run too; the notes say what they skipped.
func loadAndRenderBounded(ctx context.Context, path string, timeout time.Duration, memory int64, adm *boundedeval.Admission) (*fleet.Fleet, *render.Result, []string, error) {
	type loaded struct {
		f     *fleet.Fleet
		res   *render.Result
		notes []string
	}
	l, err := bounded(ctx, path, "evaluating the fleet", timeout, func(ctx context.Context) (loaded, error) {
		f, res, notes, err := loadAndRender(ctx, path, memory, adm)
		return loaded{f, res, notes}, err
	})
	return l.f, l.res, l.notes, err
}
