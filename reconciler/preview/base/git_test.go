package base

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
	"github.com/gardenfleet/gardenfleet/render"
)

// commitAll makes dir a Git repository with everything in it committed.
func commitAll(t *testing.T, dir string) {
	t.Helper()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddGlob("."); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "t", Email: "t@t", When: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := wt.Commit("base", &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFromGitRendersLikeDisk checks that a fleet read from a commit, in a
// subdirectory, with a kustomize overlay, renders to the same objects as the
// same fleet read from disk.
func TestFromGitRendersLikeDisk(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	dir := filepath.Join(repo, "fleets", "example")
	copyDir(t, "../../../examples/fleet", dir)
	commitAll(t, repo)

	rev, err := FromGit(context.Background(), dir, "HEAD", bounded.Limits{Memory: bounded.DefaultMemory})
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.Notes) > 0 {
		t.Errorf("notes: %q", rev.Notes)
	}
	f, err := fleet.Load(dir)
	if err != nil {
		t.Fatal(fleet.Details(err, "."))
	}
	want, err := render.Fleet(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Objects, rev.Objects); diff != "" {
		t.Errorf("objects (-disk +git):\n%s", diff)
	}
	// The overlay made it.
	got := map[string]bool{}
	for _, u := range rev.Objects {
		got[u.GetKind()+"/"+u.GetName()] = true
		if u.GetKind() == "Shoot" && u.GetLabels()["fleet.gardenfleet.dev/repo"] != "example" {
			t.Errorf("Shoot %s lacks the overlay's label", u.GetName())
		}
	}
}

// TestFromGitRefusesSymlinks reads no symlink of the base commit, into the
// commit or out of it: the base is compared as no fleet, with a note.
func TestFromGitRefusesSymlinks(t *testing.T) {
	t.Parallel()
	for _, target := range []string{"../../outside.cue", "inside.cue"} {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			top := t.TempDir()
			repo := filepath.Join(top, "repo")
			writeFile(t, filepath.Join(repo, "fleet", "fleet.cue"), "package fleet\n\nprojects: a: {}\n")
			writeFile(t, filepath.Join(repo, "fleet", "inside.cue"), "package fleet\n\nprojects: b: {}\n")
			writeFile(t, filepath.Join(top, "outside.cue"), "this is not CUE\n")
			if err := os.Symlink(target, filepath.Join(repo, "fleet", "link.cue")); err != nil {
				t.Fatal(err)
			}
			commitAll(t, repo)

			rev, err := FromGit(context.Background(), filepath.Join(repo, "fleet"), "HEAD", bounded.Limits{Memory: bounded.DefaultMemory})
			if err != nil {
				t.Fatal(err)
			}
			if len(rev.Objects) > 0 {
				t.Errorf("objects read from a commit with a symlink: %d", len(rev.Objects))
			}
			want := []string{fmt.Sprintf("the fleet at %s cannot be read (commit %s: \"fleet/link.cue\": is a symlink; "+
				"a fleet repo may hold only regular files and directories): every object is compared with nothing", rev, rev.Commit)}
			if diff := cmp.Diff(want, rev.Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFromGitBoundsTheBase: a base commit past the evaluation limits is
// compared as no fleet, with a note, not evaluated in the planning process.
func TestFromGitBoundsTheBase(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, "fleet", "fleet.cue"), hostile.Terabyte)
	commitAll(t, repo)
	rev, err := FromGit(context.Background(), filepath.Join(repo, "fleet"), "HEAD", bounded.Limits{Memory: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("the fleet at %s is refused (evaluating the fleet needed more than 256 MiB of memory): every object is compared with nothing", rev)}
	if diff := cmp.Diff(want, rev.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestFromGitErrors(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, "fleet", "fleet.cue"), "package fleet\n\nprojects: a: {}\n")
	commitAll(t, repo)
	tests := []struct {
		name    string
		dir     string
		rev     string
		wantErr string
	}{
		{
			name:    "unknown revision",
			dir:     filepath.Join(repo, "fleet"),
			rev:     "nope",
			wantErr: "read base nope: resolve revision: reference not found",
		},
		{
			name:    "missing directory",
			dir:     filepath.Join(repo, "gone"),
			rev:     "HEAD",
			wantErr: "read base HEAD: lstat " + filepath.Join(repo, "gone") + ": no such file or directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := FromGit(context.Background(), tt.dir, tt.rev, bounded.Limits{Memory: bounded.DefaultMemory})
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
