package cli

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gardenfleet/gardenfleet/fleet"
	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/render"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// checkFleet evaluates repo first in a child process within memory bytes
// (boundedeval.Check): a fleet that would run this process out of memory (a
// terabyte asked for at once kills the Go runtime, no recover helps) or
// render too much is refused (exit 1). Time is bounded by ctx: the caller's
// bounded. A fleet that passed comes back with its summary; one that does
// not validate with neither summary nor error, and the caller evaluates it
// here for the messages: evaluation is deterministic, so that run stays
// within the bounds the child kept.
//
// With adm, the child also runs Gardener's own checks on what the fleet
// renders (see boundedeval.Admission): objects Gardener refuses fail the
// fleet (exit 1), each refusal placed in the fleet.
func checkFleet(ctx context.Context, repo *snapshot.Repo, memory int64, adm *boundedeval.Admission) (*boundedeval.Summary, error) {
	sum, err := boundedeval.CheckAdmitted(ctx, repo, boundedeval.Limits{Memory: memory}, adm)
	var (
		refusedErr *boundedeval.RefusedError
		limit      *boundedeval.LimitError
		crash      *boundedeval.CrashError
		invalid    *boundedeval.InvalidError
		eval       *boundedeval.EvalError
		refused    *snapshot.Error
	)
	switch {
	case err == nil:
		return &sum, nil
	case errors.As(err, &refusedErr):
		return nil, issuesError(refusedIssues(refusedErr, repo.Name))
	case errors.As(err, &limit), errors.As(err, &crash):
		return nil, failure(fmt.Errorf("%s: %w", repo.Name, err))
	case errors.As(err, &invalid), errors.As(err, &eval), errors.As(err, &refused):
		return nil, nil
	}
	return nil, err
}

// loadAndRender loads and renders the fleet at path, first checked within
// memory by checkFleet. Problems with the fleet itself come back as
// failures (exit 1), each on its own line as file:line:col: path: message;
// anything else is an I/O error (exit 2).
func loadAndRender(ctx context.Context, path string, memory int64, adm *boundedeval.Admission) (*fleet.Fleet, *render.Result, []string, error) {
	repo, err := snapshot.Read(path)
	if err != nil {
		return nil, nil, nil, fleetError(err)
	}
	sum, err := checkFleet(ctx, repo, memory, adm)
	if err != nil {
		return nil, nil, nil, err
	}
	f, res, err := loadRepoAndRender(repo)
	if err != nil {
		return nil, nil, nil, err
	}
	return f, res, deref(sum).Notes, nil
}

// loadRepoAndRender is loadAndRender of a repo read and checked.
func loadRepoAndRender(repo *snapshot.Repo) (*fleet.Fleet, *render.Result, error) {
	f, err := fleet.LoadRepo(repo)
	if err != nil {
		return nil, nil, fleetError(err)
	}
	// The CUE evaluation graph is garbage now and is most of the heap:
	// collect it before rendering so that the peak stays at CUE's own.
	runtime.GC()
	res, err := render.Fleet(f)
	if err != nil {
		return nil, nil, fleetError(err)
	}
	return f, res, nil
}

func fleetError(err error) error {
	issues, err := fleetIssues(err)
	if err != nil {
		return err
	}
	return issuesError(issues)
}

// issuesError fails with every issue on its own line and their count.
func issuesError(issues []fleet.Issue) error {
	lines := make([]string, len(issues))
	for i, is := range issues {
		lines[i] = is.String()
	}
	noun := "errors"
	if len(issues) == 1 {
		noun = "error"
	}
	return failure(fmt.Errorf("%s\nfleet is invalid: %d %s", strings.Join(lines, "\n"), len(issues), noun))
}

// fleetIssues sorts an error of loading or rendering a fleet: problems with
// the fleet come back as issues; anything else (I/O) as the error.
func fleetIssues(err error) ([]fleet.Issue, error) {
	var cerr cueerrors.Error
	if errors.As(err, &cerr) {
		return fleet.Issues(err, "."), nil
	}
	var overlayErr *render.OverlayError
	if errors.As(err, &overlayErr) {
		return []fleet.Issue{{Message: overlayErr.Error()}}, nil
	}
	var shootErr *render.ShootError
	if errors.As(err, &shootErr) {
		return []fleet.Issue{{Message: shootErr.Error()}}, nil
	}
	// A file the repo may not hold (a symlink, a special file, past the
	// bounds) is a verdict on the repo.
	var repoErr *snapshot.Error
	if errors.As(err, &repoErr) {
		return []fleet.Issue{{Message: repoErr.Error()}}, nil
	}
	return nil, err
}
