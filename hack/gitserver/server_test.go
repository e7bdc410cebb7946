package gitserver_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/hack/gitserver"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func gitOut(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// tree lists the files of a fresh clone with their contents.
func tree(t *testing.T, url string) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	if out, err := gitOut(t, "clone", "--quiet", url, dir); err != nil {
		t.Fatalf("clone %s: %v: %s", url, err, out)
	}
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func lsRemote(t *testing.T, url string) (string, error) {
	t.Helper()
	out, err := gitOut(t, "ls-remote", url, "refs/heads/main")
	if err != nil {
		return out, err
	}
	return strings.Fields(out)[0], nil
}

func TestServer(t *testing.T) {
	ctx := context.Background()
	s, err := gitserver.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	if err := s.CreateRepo(ctx, "fleet"); err != nil {
		t.Fatal(err)
	}
	url := s.URL("fleet")
	if want := "http://" + s.Addr() + "/fleet.git"; url != want {
		t.Fatalf("URL = %s, want %s", url, want)
	}
	src := t.TempDir()

	var first string
	t.Run("push then ls-remote and clone", func(t *testing.T) {
		write(t, src, map[string]string{"fleet.cue": "package fleet\n", "clusters/a.cue": "a: 1\n"})
		first, err = s.PushDir(ctx, "fleet", src, "first")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := lsRemote(t, url); err != nil || got != first {
			t.Fatalf("ls-remote = %s, %v; want %s", got, err, first)
		}
		want := map[string]string{"fleet.cue": "package fleet\n", "clusters/a.cue": "a: 1\n"}
		if diff := cmp.Diff(want, tree(t, url)); diff != "" {
			t.Errorf("cloned tree (-want +got):\n%s", diff)
		}
	})
	t.Run("second push removes and changes files on top of the first", func(t *testing.T) {
		if err := os.Remove(filepath.Join(src, "clusters/a.cue")); err != nil {
			t.Fatal(err)
		}
		write(t, src, map[string]string{"fleet.cue": "package fleet\n// v2\n"})
		second, err := s.PushDir(ctx, "fleet", src, "second")
		if err != nil {
			t.Fatal(err)
		}
		if second == first {
			t.Fatalf("second push made no new commit")
		}
		if diff := cmp.Diff(map[string]string{"fleet.cue": "package fleet\n// v2\n"}, tree(t, url)); diff != "" {
			t.Errorf("cloned tree (-want +got):\n%s", diff)
		}
		dir := filepath.Join(t.TempDir(), "c")
		if out, err := gitOut(t, "clone", "--quiet", url, dir); err != nil {
			t.Fatal(out)
		}
		parent, err := gitOut(t, "-C", dir, "rev-parse", "HEAD^")
		if err != nil || strings.TrimSpace(parent) != first {
			t.Errorf("parent of the second commit = %q (%v), want %s", strings.TrimSpace(parent), err, first)
		}
	})
	t.Run("down, then back on the same URL", func(t *testing.T) {
		want, err := lsRemote(t, url)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		if out, err := lsRemote(t, url); err == nil {
			t.Fatalf("ls-remote while down succeeded: %s", out)
		}
		if err := s.Restart(); err != nil {
			t.Fatalf("restart: %v", err)
		}
		if got, err := lsRemote(t, url); err != nil || got != want {
			t.Fatalf("ls-remote after restart = %s, %v; want %s", got, err, want)
		}
	})
	t.Run("unknown repository", func(t *testing.T) {
		if out, err := lsRemote(t, s.URL("missing")); err == nil {
			t.Fatalf("ls-remote of a missing repository succeeded: %s", out)
		}
	})
	t.Run("branches", func(t *testing.T) {
		commit, err := s.PushDirTo(ctx, "fleet", "staging", src, "on staging")
		if err != nil {
			t.Fatal(err)
		}
		out, err := gitOut(t, "ls-remote", url, "refs/heads/staging")
		if err != nil || strings.Fields(out)[0] != commit {
			t.Fatalf("ls-remote staging = %q, %v; want %s", out, err, commit)
		}
	})
}
