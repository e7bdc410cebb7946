package base

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
	"github.com/gardenfleet/gardenfleet/hack/gitobjects"
)

// TestFromGitRefusesHostileTrees: plan --base reads a commit with the
// daemon's reader (source.ReadTree), so it refuses the trees the daemon
// refuses (cli TestHostileRepos), with the same reasons: written as a
// hostile push could, which go-git's own encoder would not.
func TestFromGitRefusesHostileTrees(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// tree is the fleet directory's entries.
		tree       func(o gitobjects.Writer) []object.TreeEntry
		wantReason string
	}{
		{
			name: ".git lookalike",
			tree: func(o gitobjects.Writer) []object.TreeEntry {
				hooks := o.Tree(object.TreeEntry{Name: "post-checkout", Mode: filemode.Executable, Hash: o.Blob("#!/bin/sh\ntouch /tmp/pwned\n")})
				return []object.TreeEntry{
					{Name: ".GIT", Mode: filemode.Dir, Hash: o.Tree(object.TreeEntry{Name: "hooks", Mode: filemode.Dir, Hash: hooks})},
					{Name: "fleet.cue", Mode: filemode.Regular, Hash: o.Blob(hostile.Valid)},
				}
			},
			wantReason: `"fleet/.GIT": is named like .git`,
		},
		{
			name: "a name twice",
			tree: func(o gitobjects.Writer) []object.TreeEntry {
				return []object.TreeEntry{
					{Name: "fleet.cue", Mode: filemode.Regular, Hash: o.Blob(hostile.Valid)},
					{Name: "fleet.cue", Mode: filemode.Regular, Hash: o.Blob("package fleet\n")},
				}
			},
			wantReason: `"fleet/fleet.cue": appears twice in the tree`,
		},
		{
			name: "a symlink",
			tree: func(o gitobjects.Writer) []object.TreeEntry {
				return []object.TreeEntry{
					{Name: "fleet.cue", Mode: filemode.Regular, Hash: o.Blob(hostile.Valid)},
					{Name: "passwd.cue", Mode: filemode.Symlink, Hash: o.Blob("/etc/passwd")},
				}
			},
			wantReason: `"fleet/passwd.cue": is a symlink; a fleet repo may hold only regular files and directories`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "fleet", "fleet.cue"), hostile.Valid)
			repo, err := git.PlainInit(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			o := gitobjects.New(t, repo)
			root := o.Tree(object.TreeEntry{Name: "fleet", Mode: filemode.Dir, Hash: o.Tree(tt.tree(o)...)})
			commit := o.Commit(root)

			rev, err := FromGit(context.Background(), filepath.Join(dir, "fleet"), commit.String(), bounded.Limits{Memory: bounded.DefaultMemory})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{fmt.Sprintf("the fleet at %s cannot be read (commit %s: %s): every object is compared with nothing", rev, commit, tt.wantReason)}
			if diff := cmp.Diff(want, rev.Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			if len(rev.Objects) > 0 {
				t.Errorf("objects read from a hostile commit: %d", len(rev.Objects))
			}
		})
	}
}
