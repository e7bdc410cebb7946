package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/gardenfleet/gardenfleet/fleet"
	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/render"
)

// loadAndRender reads the fleet at path and loads and renders it with
// boundedeval.Load, in a child process within memory bytes first: a fleet
// that would run this process out of memory (a terabyte asked for at once
// kills the Go runtime, no recover helps) or render too much is refused.
// Time is bounded by ctx: the caller's bounded. With adm, Gardener's own
// checks run on what the fleet renders (see boundedeval.Admission). The
// notes say which of them were skipped.
func loadAndRender(ctx context.Context, path string, memory int64, adm *boundedeval.Admission) (*fleet.Fleet, *render.Result, []string, error) {
	repo, err := boundedeval.Read(path)
	if err != nil {
		return nil, nil, nil, fleetFailure(path, err)
	}
	f, res, sum, err := boundedeval.Load(ctx, repo, boundedeval.Limits{Memory: memory}, adm)
	if err != nil {
		return nil, nil, nil, fleetFailure(path, err)
	}
	return f, res, sum.Notes, nil
}

// fleetFailure maps an error of reading or evaluating the fleet at path to
// an exit code: a verdict on the fleet (invalid, refused by Gardener, past
// a limit) fails it (exit 1), an invalid one with every issue on its own
// line as file:line:col: path: message; anything else is an I/O error
// (exit 2).
func fleetFailure(path string, err error) error {
	var invalid *boundedeval.InvalidError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &invalid):
		return failure(err)
	case boundedeval.IsRefused(err):
		return failure(fmt.Errorf("%s: %w", path, err))
	}
	return err
}
