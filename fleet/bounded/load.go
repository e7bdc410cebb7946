package bounded

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// Read reads the fleet repo in dir (snapshot.Read): a file the repo may not
// hold (a symlink, a special file, past the bounds) makes an
// *InvalidError, a verdict on the repo; anything else is an I/O error.
func Read(dir string) (*snapshot.Repo, error) {
	repo, err := snapshot.Read(dir)
	var repoErr *snapshot.Error
	if errors.As(err, &repoErr) {
		// The path in the message names the file as dir does already.
		return nil, &InvalidError{Dir: ".", Issues: []fleet.Issue{{Message: repoErr.Error()}}}
	}
	return repo, err
}

// Load is the one way gardenfleet loads and renders a fleet: repo is first
// evaluated in a child process within limits (CheckAdmitted, with
// Gardener's checks when adm is not nil), and only a fleet that passed is
// loaded and rendered here. Evaluation is deterministic, so this run stays
// within the bounds the child kept. The summary is the child's.
//
// A fleet that does not pass comes back as a verdict (IsRefused): an
// *InvalidError for every problem placed in the fleet, else a *LimitError,
// *CrashError or *EvalError. Any other error (the child could not start,
// ctx ended) is no verdict on the fleet.
func Load(ctx context.Context, repo *snapshot.Repo, limits Limits, adm *Admission) (*fleet.Fleet, *render.Result, Summary, error) {
	res := &render.Result{}
	f, files, sum, err := LoadEach(ctx, repo, limits, adm, func(o *unstructured.Unstructured) error {
		res.Objects = append(res.Objects, o)
		return nil
	})
	if err != nil {
		return nil, nil, Summary{}, err
	}
	res.Files = files
	render.Sort(res.Objects)
	return f, res, sum, nil
}

// LoadEach is Load for a caller that keeps the rendered objects in a form
// of its own: each is handed to keep as it is rendered, unsorted
// (render.Each), and the files are returned. An error of keep is returned
// as it is, no verdict on the fleet.
func LoadEach(ctx context.Context, repo *snapshot.Repo, limits Limits, adm *Admission, keep func(*unstructured.Unstructured) error) (*fleet.Fleet, map[string][]byte, Summary, error) {
	sum, err := CheckAdmitted(ctx, repo, limits, adm)
	if err != nil {
		return nil, nil, Summary{}, err
	}
	f, err := fleet.LoadRepo(repo)
	if err != nil {
		return nil, nil, Summary{}, loadFailed(err, repo.Name)
	}
	// The CUE evaluation graph is garbage now and most of the heap: collect
	// it before rendering, so that the peak stays at CUE's own.
	runtime.GC()
	var keepErr error
	files, err := render.Each(f, func(o *unstructured.Unstructured) error {
		keepErr = keep(o)
		return keepErr
	})
	if keepErr != nil {
		return nil, nil, Summary{}, keepErr
	}
	if err != nil {
		return nil, nil, Summary{}, loadFailed(err, repo.Name)
	}
	return f, files, sum, nil
}

// loadFailed is the verdict of an in-process load or render of the fleet
// at dir that failed.
func loadFailed(err error, dir string) error {
	v := verdictOf(err, dir)
	return v.err(dir)
}

// IsRefused tells whether err is a verdict on the fleet: invalid, refused by
// Gardener, past a limit, or crashing or failing its evaluation. The same
// repo gets the same verdict again; any other error (the evaluation could
// not be run) is worth a retry.
func IsRefused(err error) bool {
	var (
		invalid *InvalidError
		limit   *LimitError
		crash   *CrashError
		eval    *EvalError
	)
	return errors.As(err, &invalid) || errors.As(err, &limit) || errors.As(err, &crash) || errors.As(err, &eval)
}

// verdictOf sorts an error of loading or rendering the fleet at dir into
// a verdict: CUE's errors into issues relative to dir; a kustomize overlay
// or a Shoot that does not render, and a file the repo may not hold, into
// an issue each; anything else (a bug the input triggered) as its message.
func verdictOf(err error, dir string) verdict {
	var cerr cueerrors.Error
	if errors.As(err, &cerr) {
		return verdict{Invalid: fleet.Issues(err, dir)}
	}
	var (
		overlayErr *render.OverlayError
		shootErr   *render.ShootError
		repoErr    *snapshot.Error
	)
	switch {
	case errors.As(err, &overlayErr):
		return verdict{Invalid: []fleet.Issue{{Message: overlayErr.Error()}}}
	case errors.As(err, &shootErr):
		return verdict{Invalid: []fleet.Issue{{Message: shootErr.Error()}}}
	case errors.As(err, &repoErr):
		return verdict{Invalid: []fleet.Issue{{Message: repoErr.Error()}}}
	}
	return verdict{Err: err.Error()}
}

// InvalidError is a fleet that does not validate or whose objects Gardener
// refuses: every issue, each file relative to the fleet's directory Dir.
type InvalidError struct {
	// Dir is the fleet's directory as the reader names it: the path given
	// to the CLI, or the directory inside the Git repository.
	Dir    string
	Issues []fleet.Issue
}

// Error lists every issue on its own line below their count, files
// relative to where Dir is named:
//
//	fleet is invalid: 1 error:
//	fleet/shoots.cue:3:5: shoots.a.project: project "b" is not declared in projects
func (e *InvalidError) Error() string {
	noun := "errors"
	if len(e.Issues) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("fleet is invalid: %d %s:\n%s", len(e.Issues), noun, strings.Join(e.Lines(), "\n"))
}

// Placed returns the issues with their files, and the other places they
// name, under Dir: relative to where Dir is named rather than to the fleet.
func (e *InvalidError) Placed() []fleet.Issue {
	out := make([]fleet.Issue, len(e.Issues))
	for i, is := range e.Issues {
		is.File = under(e.Dir, is.File)
		if is.Also != nil {
			also := make([]string, len(is.Also))
			for j, at := range is.Also {
				also[j] = under(e.Dir, at) // file:line:col
			}
			is.Also = also
		}
		out[i] = is
	}
	return out
}

// Lines returns the placed issues as file:line:col: path: message.
func (e *InvalidError) Lines() []string {
	issues := e.Placed()
	lines := make([]string, len(issues))
	for i, is := range issues {
		lines[i] = is.String()
	}
	return lines
}

// under puts a file relative to the fleet at dir below dir; an absolute
// one (outside the fleet) stays.
func under(dir, file string) string {
	if file == "" || dir == "" || dir == "." || filepath.IsAbs(file) {
		return file
	}
	return filepath.ToSlash(filepath.Join(dir, file))
}
