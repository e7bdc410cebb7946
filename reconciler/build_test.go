package reconciler

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/hack/benchfleet"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
	"github.com/google/go-cmp/cmp"
)

// TestBuildReadsTheCommit builds from the fetched commit alone: issues are
// placed relative to the repository, and a symlink in the fleet is refused
// with its commit and path.
func TestBuildReadsTheCommit(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, "fleet"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "fleet", "fleet.cue"), []byte("package fleet\n\nprojects: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	gitCmd("init", "--quiet", "--initial-branch=main")
	gitCmd("add", "--all")
	gitCmd("commit", "--quiet", "-m", "invalid")

	ctx := context.Background()
	src, art := fetch(ctx, t, repo)
	b := build(ctx, src, art, "fleet", bounded.DefaultLimits(), nil)
	if b.err == nil || !strings.HasPrefix(b.err.Error(), "fleet is invalid: 1 error:\nfleet/fleet.cue:3:") {
		t.Errorf("build() error = %v, want one issue placed at fleet/fleet.cue:3", b.err)
	}

	if err := os.Symlink("/etc/passwd", filepath.Join(repo, "fleet", "passwd.cue")); err != nil {
		t.Fatal(err)
	}
	gitCmd("add", "--all")
	gitCmd("commit", "--quiet", "-m", "symlink")
	commit := gitCmd("rev-parse", "HEAD")
	art, err := src.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b = build(ctx, src, art, "fleet", bounded.DefaultLimits(), nil)
	want := "build fleet: read file://" + repo + " at branch main: commit " + commit +
		`: "fleet/passwd.cue": is a symlink; a fleet repo may hold only regular files and directories`
	if b.err == nil || b.err.Error() != want {
		t.Errorf("build() error = %v\nwant %s", b.err, want)
	}
}

// TestBuildKeepsTheRenderedObjects: the daemon's build, which encodes each
// object as it is rendered, keeps what render gives, in render's order,
// with an overlay (the example's) and without one.
func TestBuildKeepsTheRenderedObjects(t *testing.T) {
	t.Parallel()
	generated := filepath.Join(t.TempDir(), "generated")
	if err := benchfleet.Generate(generated, 30); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, dir string }{
		{"the example, with an overlay", filepath.Join("..", "examples", "fleet")},
		{"generated, without one", generated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			repo := t.TempDir()
			if err := os.CopyFS(filepath.Join(repo, "fleet"), os.DirFS(tt.dir)); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"init", "--quiet", "--initial-branch=main"}, {"add", "--all"}, {"commit", "--quiet", "-m", "fleet"}} {
				cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"}, args...)...)
				cmd.Dir = repo
				cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			src, art := fetch(ctx, t, repo)
			b := build(ctx, src, art, "fleet", bounded.DefaultLimits(), nil)
			if b.err != nil {
				t.Fatal(b.err)
			}

			snap, err := bounded.Read(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			_, want, _, err := bounded.Load(ctx, snap, bounded.DefaultLimits(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var wantJSON, gotJSON []string
			for _, o := range want.Objects {
				data, err := json.Marshal(o.Object)
				if err != nil {
					t.Fatal(err)
				}
				wantJSON = append(wantJSON, string(data))
			}
			for _, o := range b.objects {
				u, err := o.Decode()
				if err != nil {
					t.Fatal(err)
				}
				data, err := json.Marshal(u.Object)
				if err != nil {
					t.Fatal(err)
				}
				gotJSON = append(gotJSON, string(data))
			}
			if len(wantJSON) < 3 {
				t.Fatalf("render gives %d objects, want a fleet of several", len(wantJSON))
			}
			if diff := cmp.Diff(wantJSON, gotJSON); diff != "" {
				t.Errorf("objects kept by build (-render.Fleet +build):\n%s", diff)
			}
		})
	}
}

// fetch fetches the repository at repo (main) into a source of its own.
func fetch(ctx context.Context, t *testing.T, repo string) (*source.Source, source.Artifact) {
	t.Helper()
	src, err := source.New(source.Options{URL: "file://" + repo, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	art, err := src.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return src, art
}
