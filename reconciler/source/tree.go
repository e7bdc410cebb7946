package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/gardenfleet/gardenfleet/snapshot"
)

// ErrNoDirectory means the directory asked of ReadTree is not in the commit.
var ErrNoDirectory = errors.New("no such directory")

// Bounds of a tree walk beyond snapshot.Repo's own: entries that hold no file
// (directories, refused entries) still cost a lookup each.
const (
	maxTreeEntries = 4 * snapshot.MaxFiles
	maxTreeDepth   = 256
)

// ReadTree reads the directory dir (slash-separated, relative to the root;
// "." for all of it) of commit c into memory: its regular files by path
// relative to dir. Nothing is written to disk and nothing outside dir is
// read.
//
// The tree is untrusted: git does not stop a tree from holding what git
// fsck flags, and go-git reads it as it is. Refused, with an error naming
// the commit and the path: an entry name that is empty, ".", "..", holds a
// slash, a backslash, a control character or invalid UTF-8, or that a
// filesystem would take for .git (".GIT", "git~1", ".git.", HFS+ ignorable
// code points); two entries of one name; a symlink; a submodule (gitlink:
// its commit is in another repository, and a fleet has no use for one); a
// blob above snapshot.MaxFileBytes (refused by its recorded size, before it
// is read); and whatever takes the repo past snapshot.Repo's bounds. The
// directory is refused in the same way when the path leads through a
// symlink or a submodule; one that is not there wraps ErrNoDirectory.
// .gitmodules, .gitattributes and the like are regular files like any
// other: nothing here acts on them.
func ReadTree(ctx context.Context, repo *git.Repository, c *object.Commit, dir string) (*snapshot.Repo, error) {
	dir = path.Clean(dir)
	r := &treeReader{ctx: ctx, repo: repo, commit: c.Hash.String(), out: snapshot.New(dir)}
	if dir != "." && !validRepoPath(dir) {
		return nil, r.refuse(dir, "is not a clean relative path inside the repo")
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("commit %s: read tree: %w", c.Hash, err)
	}
	if dir != "." {
		parts := strings.Split(dir, "/")
		for i := range parts {
			if tree, err = r.subtree(tree, strings.Join(parts[:i+1], "/")); err != nil {
				return nil, err
			}
		}
	}
	if err := r.readDir(tree, dir, "", len(strings.Split(dir, "/"))); err != nil {
		return nil, err
	}
	return r.out, nil
}

type treeReader struct {
	ctx     context.Context
	repo    *git.Repository
	commit  string
	out     *snapshot.Repo
	entries int
}

// refuse is the error for the entry at p (relative to the repo root).
func (r *treeReader) refuse(p, reason string) error {
	return fmt.Errorf("commit %s: %w", r.commit, &snapshot.Error{Path: strconv.Quote(p), Reason: reason})
}

// subtree returns the directory p (whose parent is t) on the way to the
// directory ReadTree reads.
func (r *treeReader) subtree(t *object.Tree, p string) (*object.Tree, error) {
	name := path.Base(p)
	var found *object.TreeEntry
	for i := range t.Entries {
		if t.Entries[i].Name != name {
			continue
		}
		if found != nil {
			return nil, r.refuse(p, "appears twice in the tree")
		}
		found = &t.Entries[i]
	}
	if found == nil {
		return nil, fmt.Errorf("commit %s: %q: %w", r.commit, p, ErrNoDirectory)
	}
	if err := r.checkMode(found, p); err != nil {
		return nil, err
	}
	if found.Mode != filemode.Dir {
		return nil, fmt.Errorf("commit %s: %q: %w", r.commit, p, ErrNoDirectory)
	}
	sub, err := r.repo.TreeObject(found.Hash)
	if err != nil {
		return nil, fmt.Errorf("commit %s: read tree %q: %w", r.commit, p, err)
	}
	return sub, nil
}

// readDir adds the files of t, the directory at repo path p and at rel
// below the directory read, to the repo.
func (r *treeReader) readDir(t *object.Tree, p, rel string, depth int) error {
	seen := make(map[string]bool, len(t.Entries))
	for i := range t.Entries {
		e := &t.Entries[i]
		if err := r.ctx.Err(); err != nil {
			return fmt.Errorf("commit %s: %w", r.commit, err)
		}
		ep, erel := joinPath(p, e.Name), joinPath(rel, e.Name)
		if r.entries++; r.entries > maxTreeEntries {
			return r.refuse(ep, fmt.Sprintf("the tree has more than %d entries", maxTreeEntries))
		}
		if reason := badName(e.Name); reason != "" {
			return r.refuse(ep, reason)
		}
		if seen[e.Name] {
			return r.refuse(ep, "appears twice in the tree")
		}
		seen[e.Name] = true
		if err := r.checkMode(e, ep); err != nil {
			return err
		}
		if e.Mode != filemode.Dir {
			if err := r.readFile(e, ep, erel); err != nil {
				return err
			}
			continue
		}
		if depth >= maxTreeDepth {
			return r.refuse(ep, fmt.Sprintf("is nested more than %d directories deep", maxTreeDepth))
		}
		sub, err := r.repo.TreeObject(e.Hash)
		if err != nil {
			return fmt.Errorf("commit %s: read tree %q: %w", r.commit, ep, err)
		}
		if err := r.readDir(sub, ep, erel, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// checkMode refuses every entry but a directory or a regular file.
func (r *treeReader) checkMode(e *object.TreeEntry, p string) error {
	switch e.Mode {
	case filemode.Dir, filemode.Regular, filemode.Executable, filemode.Deprecated:
		return nil
	case filemode.Symlink:
		return r.refuse(p, "is a symlink; a fleet repo may hold only regular files and directories")
	case filemode.Submodule:
		return r.refuse(p, "is a submodule; a fleet repo may hold only regular files and directories")
	}
	return r.refuse(p, fmt.Sprintf("has file mode %s; a fleet repo may hold only regular files and directories", e.Mode))
}

func (r *treeReader) readFile(e *object.TreeEntry, p, rel string) error {
	blob, err := r.repo.BlobObject(e.Hash)
	if err != nil {
		return fmt.Errorf("commit %s: read %q: %w", r.commit, p, err)
	}
	if blob.Size > snapshot.MaxFileBytes {
		return r.refuse(p, fmt.Sprintf("is larger than %d MiB", snapshot.MaxFileBytes>>20))
	}
	rd, err := blob.Reader()
	if err != nil {
		return fmt.Errorf("commit %s: read %q: %w", r.commit, p, err)
	}
	data, err := io.ReadAll(io.LimitReader(rd, snapshot.MaxFileBytes+1))
	if cerr := rd.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("commit %s: read %q: %w", r.commit, p, err)
	}
	if err := r.out.AddFile(rel, data); err != nil {
		var re *snapshot.Error
		if errors.As(err, &re) {
			return r.refuse(p, re.Reason)
		}
		return fmt.Errorf("commit %s: %w", r.commit, err)
	}
	return nil
}

// badName says what is wrong with a tree entry's name, the way git fsck
// and git's verify_path see it; "" when nothing is.
func badName(name string) string {
	switch {
	case name == "":
		return "has an empty name"
	case name == "." || name == "..":
		return "is named . or .."
	case strings.ContainsAny(name, `/\`):
		return "has a name with a slash or backslash"
	case !utf8.ValidString(name):
		return "has a name that is not valid UTF-8"
	case strings.ContainsFunc(name, func(c rune) bool { return c < 0x20 || c == 0x7f }):
		return "has a name with a control character"
	case isDotGit(name):
		return "is named like .git"
	}
	return ""
}

// isDotGit reports whether a filesystem could take name for .git: NTFS
// drops trailing dots and spaces and reads ":stream" and the short name
// git~1; HFS+ ignores some zero-width code points and case.
func isDotGit(name string) bool {
	n := strings.ToLower(strings.Map(func(c rune) rune {
		if hfsIgnorable(c) {
			return -1
		}
		return c
	}, name))
	if i := strings.IndexByte(n, ':'); i >= 0 {
		n = n[:i]
	}
	n = strings.TrimRight(n, ". ")
	return n == ".git" || n == "git~1"
}

func hfsIgnorable(c rune) bool {
	return c >= 0x200c && c <= 0x200f || c >= 0x202a && c <= 0x202e || c >= 0x206a && c <= 0x206f || c == 0xfeff
}

// validRepoPath reports whether p, slash-separated, has only good names.
func validRepoPath(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if badName(part) != "" {
			return false
		}
	}
	return true
}

func joinPath(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return dir + "/" + name
}
