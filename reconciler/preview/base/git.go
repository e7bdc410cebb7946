package base

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
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
// it. Uncommitted changes do not count: rev HEAD is the last commit.
func FromGit(ctx context.Context, dir, rev string) (*Revision, error) {
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
	root, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("read base %s: tree of %s: %w", rev, hash, err)
	}
	tree := root
	if rel != "." {
		tree, err = root.Tree(rel)
		if errors.Is(err, object.ErrDirectoryNotFound) {
			r.Notes = append(r.Notes, fmt.Sprintf("%s has no fleet at %s: every object is new", r, rel))
			return r, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read base %s: tree %s: %w", rev, rel, err)
		}
	}

	tmp, err := os.MkdirTemp("", "gardenfleet-base-")
	if err != nil {
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	defer os.RemoveAll(tmp)
	hasCUE, err := writeTree(ctx, root, tree, rel, tmp)
	if err != nil {
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	if !hasCUE {
		r.Notes = append(r.Notes, fmt.Sprintf("%s has no fleet at %s: every object is new", r, rel))
		return r, nil
	}
	f, err := fleet.Load(tmp)
	var cerr cueerrors.Error
	if errors.As(err, &cerr) {
		r.Notes = append(r.Notes, invalidNote(r, rel, fleet.Issues(err, tmp)))
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	res, err := render.Fleet(f)
	var overlayErr *render.OverlayError
	if errors.As(err, &overlayErr) {
		r.Notes = append(r.Notes, fmt.Sprintf("the fleet at %s does not render (%v): every object is compared with nothing", r, err))
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read base %s: %w", rev, err)
	}
	r.Objects = res.Objects
	return r, nil
}

// invalidNote says that the base fleet is invalid and lists its issues,
// with paths relative to the work tree.
func invalidNote(r *Revision, rel string, issues []fleet.Issue) string {
	lines := make([]string, len(issues))
	for i, is := range issues {
		if is.File != "" && rel != "." {
			is.File = rel + "/" + is.File
		}
		lines[i] = is.String()
	}
	return fmt.Sprintf("the fleet at %s is invalid (%s); every object is compared with nothing",
		r, strings.Join(lines, "; "))
}

// writeTree writes the files of tree, the directory rel of root, below dir
// and reports whether there is a .cue file at the top. A symlink is written
// as a copy of the file it points to when that is a file of the commit;
// others, and submodules, are left out.
func writeTree(ctx context.Context, root, tree *object.Tree, rel, dir string) (hasCUE bool, err error) {
	err = tree.Files().ForEach(func(f *object.File) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !filepath.IsLocal(f.Name) {
			return fmt.Errorf("refuse path %q", f.Name)
		}
		content := f
		if f.Mode == filemode.Symlink {
			if content = symlinkTarget(root, rel, f); content == nil {
				return nil
			}
		}
		if !strings.Contains(f.Name, "/") && strings.HasSuffix(f.Name, ".cue") {
			hasCUE = true
		}
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
		return writeBlob(content, f.Name, path)
	})
	return hasCUE, err
}

// symlinkTarget returns the file of root that link (in directory rel of
// root) points to, or nil when it points outside the commit or at no file.
func symlinkTarget(root *object.Tree, rel string, link *object.File) *object.File {
	target, err := link.Contents()
	if err != nil || path.IsAbs(target) {
		return nil
	}
	resolved := path.Join(rel, path.Dir(link.Name), target)
	if !filepath.IsLocal(resolved) {
		return nil
	}
	f, err := root.File(resolved)
	if err != nil || f.Mode == filemode.Symlink || !f.Mode.IsFile() {
		return nil
	}
	return f
}

func writeBlob(f *object.File, name, path string) error {
	r, err := f.Reader()
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer r.Close()
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := io.Copy(out, r); err != nil {
		return errors.Join(fmt.Errorf("write %s: %w", name, err), out.Close())
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func realPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}
