package reconciler

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
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
	src, err := source.New(source.Options{URL: "file://" + repo, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	art, err := src.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
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
	if art, err = src.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	b = build(ctx, src, art, "fleet", bounded.DefaultLimits(), nil)
	want := "build fleet: read file://" + repo + " at branch main: commit " + commit +
		`: "fleet/passwd.cue": is a symlink; a fleet repo may hold only regular files and directories`
	if b.err == nil || b.err.Error() != want {
		t.Errorf("build() error = %v\nwant %s", b.err, want)
	}
}
