package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/hack/gitobjects"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// objects writes hand-made Git objects (gitobjects, shared with the CLI's
// hostile tests), in whatever shape a hostile push could have.
type objects struct {
	gitobjects.Writer
	t    *testing.T
	repo *git.Repository
}

func newObjects(t *testing.T, repo *git.Repository) *objects {
	if repo == nil {
		var err error
		if repo, err = git.Init(memory.NewStorage(), nil); err != nil {
			t.Fatal(err)
		}
	}
	return &objects{Writer: gitobjects.New(t, repo), t: t, repo: repo}
}

func (o *objects) blob(content string) plumbing.Hash { return o.Blob(content) }

func (o *objects) tree(entries ...object.TreeEntry) plumbing.Hash { return o.Tree(entries...) }

func (o *objects) commit(tree plumbing.Hash) *object.Commit {
	o.t.Helper()
	c, err := o.repo.CommitObject(o.Commit(tree))
	if err != nil {
		o.t.Fatal(err)
	}
	return c
}

func file(name string, h plumbing.Hash) object.TreeEntry {
	return object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h}
}

func dir(name string, h plumbing.Hash) object.TreeEntry {
	return object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}
}

func symlink(name string, h plumbing.Hash) object.TreeEntry {
	return object.TreeEntry{Name: name, Mode: filemode.Symlink, Hash: h}
}

// emptyDir fails the test when something was written below dir.
func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		t.Errorf("%s was written to: %v", dir, entries)
	}
}

func TestReadTree(t *testing.T) {
	t.Parallel()
	o := newObjects(t, nil)
	cue, overlay := o.blob("package fleet\n"), o.blob("resources: []\n")
	root := o.tree(
		dir("fleet", o.tree(
			file("fleet.cue", cue),
			object.TreeEntry{Name: "run.cue", Mode: filemode.Executable, Hash: cue},
			dir("kustomize", o.tree(file("kustomization.yaml", overlay))),
		)),
		// Outside the directory read: neither read nor refused.
		symlink("link", o.blob("/etc/passwd")),
		object.TreeEntry{Name: "sub", Mode: filemode.Submodule, Hash: plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")},
	)
	c := o.commit(root)
	for _, dir := range []string{"fleet", "./fleet/", "fleet/."} {
		r, err := ReadTree(context.Background(), o.repo, c, dir)
		if err != nil {
			t.Fatalf("ReadTree(%q): %v", dir, err)
		}
		if diff := cmp.Diff([]string{"fleet.cue", "kustomize/kustomization.yaml", "run.cue"}, r.Paths()); diff != "" {
			t.Errorf("ReadTree(%q) paths (-want +got):\n%s", dir, diff)
		}
		if b, _ := r.File("kustomize/kustomization.yaml"); string(b) != "resources: []\n" {
			t.Errorf("ReadTree(%q) kustomization.yaml = %q", dir, b)
		}
		if r.Name != "fleet" {
			t.Errorf("ReadTree(%q) Name = %q, want fleet", dir, r.Name)
		}
	}
}

func TestReadTreeRefuses(t *testing.T) {
	t.Parallel()
	const onlyRegular = "; a fleet repo may hold only regular files and directories"
	outside := t.TempDir()
	o := newObjects(t, nil)
	cue := o.blob("package fleet\n")
	x := o.tree(file("x.cue", cue))
	nested := x
	for range maxTreeDepth {
		nested = o.tree(dir("d", nested))
	}
	var many []object.TreeEntry
	for i := range maxTreeEntries {
		many = append(many, dir(fmt.Sprintf("d%05d", i), o.tree()))
	}

	tests := []struct {
		name    string
		root    plumbing.Hash
		dir     string
		wantErr string // after "commit <hash>: "
	}{
		{
			name: "a symlink and a directory of one name, directory read",
			root: o.tree(symlink("fleet", o.blob(outside)), dir("fleet", x)), dir: "fleet",
			wantErr: `"fleet": appears twice in the tree`,
		},
		{
			name: "a directory and a symlink of one name, parent read",
			root: o.tree(dir("fleet", x), symlink("fleet", o.blob(outside))), dir: ".",
			wantErr: `"fleet": appears twice in the tree`,
		},
		{
			name: "a symlink and a directory of one name, parent read",
			root: o.tree(symlink("fleet", o.blob(outside)), dir("fleet", x)), dir: ".",
			wantErr: `"fleet": is a symlink` + onlyRegular,
		},
		{
			name:    "two files of one name",
			root:    o.tree(file("a.cue", cue), file("a.cue", o.blob("other"))),
			wantErr: `"a.cue": appears twice in the tree`,
		},
		{
			name:    ".git/hooks/x",
			root:    o.tree(dir(".git", o.tree(dir("hooks", o.tree(file("x", cue)))))),
			wantErr: `".git": is named like .git`,
		},
		{
			name:    ".GIT/config",
			root:    o.tree(dir("fleet", o.tree(dir(".GIT", o.tree(file("config", cue)))))),
			wantErr: `"fleet/.GIT": is named like .git`,
		},
		{name: "NTFS short name", root: o.tree(dir("GIT~1", x)), wantErr: `"GIT~1": is named like .git`},
		{name: "NTFS trailing dot", root: o.tree(dir(".git. ", x)), wantErr: `".git. ": is named like .git`},
		{name: "NTFS stream", root: o.tree(dir(".git::$INDEX_ALLOCATION", x)), wantErr: `".git::$INDEX_ALLOCATION": is named like .git`},
		{name: "HFS+ ignorable", root: o.tree(dir(".g\u200cit", x)), wantErr: `".g\u200cit": is named like .git`},
		{name: "..", root: o.tree(dir("..", x)), wantErr: `"..": is named . or ..`},
		{name: ".", root: o.tree(dir(".", x)), wantErr: `".": is named . or ..`},
		{name: "a/../../x", root: o.tree(file("a/../../x", cue)), wantErr: `"a/../../x": has a name with a slash or backslash`},
		{name: "backslash", root: o.tree(file(`..\x`, cue)), wantErr: `"..\\x": has a name with a slash or backslash`},
		{name: "control character", root: o.tree(file("a\x01b", cue)), wantErr: `"a\x01b": has a name with a control character`},
		{name: "not UTF-8", root: o.tree(file("\xff.cue", cue)), wantErr: `"\xff.cue": has a name that is not valid UTF-8`},
		{
			name:    "symlink to /etc/passwd",
			root:    o.tree(dir("fleet", o.tree(file("fleet.cue", cue), symlink("passwd.cue", o.blob("/etc/passwd"))))),
			dir:     "fleet",
			wantErr: `"fleet/passwd.cue": is a symlink` + onlyRegular,
		},
		{
			name:    "symlink on the way to the directory",
			root:    o.tree(symlink("fleet", o.blob(outside))),
			dir:     "fleet/sub",
			wantErr: `"fleet": is a symlink` + onlyRegular,
		},
		{
			name: "gitlink",
			root: o.tree(file("fleet.cue", cue),
				object.TreeEntry{Name: "vendor", Mode: filemode.Submodule, Hash: plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")}),
			wantErr: `"vendor": is a submodule` + onlyRegular,
		},
		{
			name:    "oversize blob",
			root:    o.tree(file("big.cue", o.blob(strings.Repeat("x", snapshot.MaxFileBytes+1)))),
			wantErr: `"big.cue": is larger than 16 MiB`,
		},
		{
			name:    "a file where a directory is asked for",
			root:    o.tree(file("fleet", cue)),
			dir:     "fleet",
			wantErr: `"fleet": no such directory`,
		},
		{name: "no such directory", root: o.tree(dir("fleet", x)), dir: "other", wantErr: `"other": no such directory`},
		{name: "directory outside the repo", root: o.tree(dir("fleet", x)), dir: "../fleet", wantErr: `"../fleet": is not a clean relative path inside the repo`},
		{name: "directory named .git", root: o.tree(dir("fleet", x)), dir: "fleet/.git", wantErr: `"fleet/.git": is not a clean relative path inside the repo`},
		{
			name:    "too deep",
			root:    nested,
			wantErr: fmt.Sprintf("%q: is nested more than %d directories deep", strings.Repeat("d/", maxTreeDepth-1)+"d", maxTreeDepth),
		},
		{
			name:    "too many entries",
			root:    o.tree(append(many, dir("last", o.tree()))...),
			wantErr: fmt.Sprintf(`"last": the tree has more than %d entries`, maxTreeEntries),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.dir == "" {
				tt.dir = "."
			}
			c := o.commit(tt.root)
			r, err := ReadTree(context.Background(), o.repo, c, tt.dir)
			if want := "commit " + c.Hash.String() + ": " + tt.wantErr; err == nil || err.Error() != want {
				t.Fatalf("ReadTree() = %v, %v\nwant error %s", r, err, want)
			}
			if r != nil {
				t.Errorf("ReadTree() returned a repo with its error")
			}
			if strings.HasSuffix(tt.wantErr, "no such directory") != errors.Is(err, ErrNoDirectory) {
				t.Errorf("errors.Is(%v, ErrNoDirectory) = %v", err, errors.Is(err, ErrNoDirectory))
			}
			emptyDir(t, outside)
		})
	}
}

// TestRepoHostileTree fetches a commit whose tree holds a symlink to an
// outside folder and a directory of the same name, which made the checkout
// of earlier versions write into that folder: the fetch succeeds, reading
// the fleet is refused, and nothing is written outside the cache.
func TestRepoHostileTree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	outside := t.TempDir()
	remote := filepath.Join(t.TempDir(), "fleet.git")
	repo, err := git.PlainInit(remote, true)
	if err != nil {
		t.Fatal(err)
	}
	o := newObjects(t, repo)
	c := o.commit(o.tree(
		symlink("fleet", o.blob(outside)),
		dir("fleet", o.tree(file("pwned.cue", o.blob("package fleet\n")))),
	))
	if err := repo.Storer.SetReference(plumbing.NewHashReference("refs/heads/main", c.Hash)); err != nil {
		t.Fatal(err)
	}

	cache := t.TempDir()
	s := mustNew(t, Options{URL: "file://" + remote, CacheDir: cache})
	art, err := s.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{".", "fleet"} {
		_, err = s.Repo(ctx, art, dir)
		want := "read file://" + remote + " at branch main: commit " + c.Hash.String() + `: "fleet": appears twice in the tree`
		if dir == "." {
			want = "read file://" + remote + " at branch main: commit " + c.Hash.String() + `: "fleet": is a symlink; a fleet repo may hold only regular files and directories`
		}
		if err == nil || err.Error() != want {
			t.Errorf("Repo(%q) error = %v\nwant %s", dir, err, want)
		}
	}
	emptyDir(t, outside)
	// The cache holds Git's own files only: no tree was written out.
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "git" {
		t.Errorf("cache holds %v, want only git", entries)
	}
}
