package source

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// checkout writes the commit's tree to revDir/<hash> and returns that path.
// The tree is written to a temporary directory first and renamed, so a
// revision directory that exists is complete, also after a crash.
func (s *Source) checkout(c *object.Commit) (string, error) {
	dir := filepath.Join(s.revDir, c.Hash.String())
	if dirExists(dir) {
		return dir, nil
	}
	if err := os.MkdirAll(s.revDir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", s.revDir, err)
	}
	tmp, err := os.MkdirTemp(s.revDir, ".tmp-")
	if err != nil {
		return "", fmt.Errorf("create temporary worktree: %w", err)
	}
	if err := writeTree(c, tmp); err != nil {
		return "", errors.Join(err, os.RemoveAll(tmp))
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", errors.Join(fmt.Errorf("move worktree into place: %w", err), os.RemoveAll(tmp))
	}
	return dir, nil
}

// writeTree writes every file of the commit below dir. Submodules are not
// followed; symlinks are written as symlinks.
func writeTree(c *object.Commit, dir string) error {
	tree, err := c.Tree()
	if err != nil {
		return fmt.Errorf("read tree of %s: %w", c.Hash, err)
	}
	return tree.Files().ForEach(func(f *object.File) error {
		// Git allows names that would escape the worktree; refuse them.
		if !filepath.IsLocal(f.Name) || hasGitDir(f.Name) {
			return fmt.Errorf("refuse path %q in %s", f.Name, c.Hash)
		}
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create directory for %s: %w", f.Name, err)
		}
		if f.Mode == filemode.Symlink {
			target, err := f.Contents()
			if err != nil {
				return fmt.Errorf("read symlink %s: %w", f.Name, err)
			}
			if err := os.Symlink(target, path); err != nil {
				return fmt.Errorf("write symlink %s: %w", f.Name, err)
			}
			return nil
		}
		perm := os.FileMode(0o644)
		if f.Mode == filemode.Executable {
			perm = 0o755
		}
		return writeBlob(f, path, perm)
	})
}

func writeBlob(f *object.File, path string, perm os.FileMode) error {
	r, err := f.Reader()
	if err != nil {
		return fmt.Errorf("read %s: %w", f.Name, err)
	}
	defer r.Close()
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Name, err)
	}
	if _, err := io.Copy(out, r); err != nil {
		return errors.Join(fmt.Errorf("write %s: %w", f.Name, err), out.Close())
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.Name, err)
	}
	return nil
}

func hasGitDir(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.EqualFold(part, ".git") {
			return true
		}
	}
	return false
}
