package cli

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

// loadAndRender loads and renders the fleet at path. Problems with the
// fleet itself come back as failures (exit 1), each on its own line as
// file:line:col: path: message; anything else is an I/O error (exit 2).
func loadAndRender(path string) (*fleet.Fleet, *render.Result, error) {
	f, err := fleet.Load(path)
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
	// A file the repo may not hold (a symlink, a special file, past the
	// bounds) is a verdict on the repo.
	var repoErr *fleet.RepoError
	if errors.As(err, &repoErr) {
		return []fleet.Issue{{Message: repoErr.Error()}}, nil
	}
	return nil, err
}
