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
	var cerr cueerrors.Error
	if errors.As(err, &cerr) {
		issues := fleet.Issues(err, ".")
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
	// A file the repo may not hold (a symlink, say) is the fleet's fault.
	var overlayErr *render.OverlayError
	var repoErr *fleet.RepoError
	if errors.As(err, &overlayErr) || errors.As(err, &repoErr) {
		return failure(fmt.Errorf("%w\nfleet is invalid: 1 error", err))
	}
	return err
}
