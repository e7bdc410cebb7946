package base

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// Revision is a fleet as of a Git revision, rendered.
type Revision struct {
	// Name is the revision as asked for; Commit is its commit hash.
	Name   string
	Commit string
	// Objects are rendered from the fleet at the revision. There are none
	// when the revision has no fleet at the path or an invalid one; Notes
	// then say which.
	Objects []*unstructured.Unstructured
	Notes   []string
}

// String renders the revision as "origin/main (3f2a1bc)".
func (r *Revision) String() string {
	return fmt.Sprintf("%s (%.7s)", r.Name, r.Commit)
}

// ErrNotInWorkTree is returned when a fleet directory is not inside a Git
// work tree.
var ErrNotInWorkTree = errors.New("not inside a Git work tree")

// FromGit reads the fleet in dir as of revision rev (a branch, tag, hash or
// an expression such as HEAD~1) of the Git work tree around dir, and renders
// it. Uncommitted changes do not count: rev HEAD is the last commit. The
// base is untrusted input like the new fleet: it is evaluated within limits
// first (fleet/bounded).
func FromGit(ctx context.Context, dir, rev string, limits bounded.Limits) (*Revision, error) {
	abs, err := realPath(dir)
	if err != nil {
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("read base %s: %s: %w", rev, dir, ErrNotInWorkTree)
	}
	if err != nil {
		return nil, fmt.Errorf("read base %s: open repository: %w", rev, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("read base %s: %s: %w", rev, dir, ErrNotInWorkTree)
	}
	top, err := realPath(wt.Filesystem.Root())
	if err != nil {
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("read base %s: %s is outside the work tree %s", rev, dir, top)
	}
	rel = filepath.ToSlash(rel)

	hash, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("read base %s: resolve revision: %w", rev, err)
	}
	commit, err := repo.CommitObject(*hash)
	if err != nil {
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	r := &Revision{Name: rev, Commit: hash.String()}
	// The commit's tree is read into memory, never written out: whatever it
	// holds cannot reach past it.
	repoFiles, err := source.ReadTree(ctx, repo, commit, rel)
	var refused *snapshot.Error
	switch {
	case errors.Is(err, source.ErrNoDirectory):
		return noFleet(r, rel), nil
	case errors.As(err, &refused):
		r.Notes = append(r.Notes, fmt.Sprintf("the fleet at %s cannot be read (%v): every object is compared with nothing", r, err))
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	if !hasTopLevelCUE(repoFiles) {
		return noFleet(r, rel), nil
	}
	_, res, _, err := bounded.Load(ctx, repoFiles, limits, nil)
	var invalid *bounded.InvalidError
	switch {
	case errors.As(err, &invalid):
		// Its files are named relative to the work tree (repoFiles.Name
		// is rel).
		r.Notes = append(r.Notes, fmt.Sprintf("the fleet at %s is invalid (%s); every object is compared with nothing",
			r, strings.Join(invalid.Lines(), "; ")))
		return r, nil
	case bounded.IsRefused(err):
		r.Notes = append(r.Notes, fmt.Sprintf("the fleet at %s is refused (%v): every object is compared with nothing", r, err))
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	r.Objects = res.Objects
	return r, nil
}

func noFleet(r *Revision, rel string) *Revision {
	r.Notes = append(r.Notes, fmt.Sprintf("%s has no fleet at %s: every object is new", r, rel))
	return r
}

// hasTopLevelCUE reports whether the fleet's directory holds a .cue file.
func hasTopLevelCUE(r *snapshot.Repo) bool {
	for _, p := range r.Paths() {
		if !strings.Contains(p, "/") && strings.HasSuffix(p, ".cue") {
			return true
		}
	}
	return false
}

func realPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}
