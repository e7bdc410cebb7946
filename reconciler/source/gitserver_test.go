package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gardenfleet/gardenfleet/hack/gitserver"
)

// TestFetchFromGitServer follows a branch on the landscape's Git server:
// new commits are picked up, and while the server is down Fetch fails with
// a typed error and the caller keeps its revision.
func TestFetchFromGitServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, err := gitserver.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	if err := srv.CreateRepo(ctx, "fleet"); err != nil {
		t.Fatal(err)
	}
	push := func(content string) string {
		t.Helper()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "fleet.cue"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		h, err := srv.PushDir(ctx, "fleet", dir, "update fleet")
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	c1 := push("a: 1\n")
	s := mustNew(t, Options{URL: srv.URL("fleet")})
	first, err := s.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "main@sha1:" + c1; first.Revision != want {
		t.Fatalf("Revision = %q, want %q", first.Revision, want)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	art, err := s.Fetch(ctx)
	var se *Error
	if !errors.As(err, &se) || se.Op != "list refs" || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Fetch() with the server down: error %v, want *Error at list refs wrapping ECONNREFUSED", err)
	}
	if art != (Artifact{}) {
		t.Errorf("Fetch() with the server down returned %+v, want the zero Artifact", art)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	again, err := s.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Errorf("Fetch() after restart = %+v, want unchanged %+v", again, first)
	}

	c2 := push("a: 2\n")
	next, err := s.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "main@sha1:" + c2; next.Revision != want {
		t.Errorf("Revision = %q, want %q", next.Revision, want)
	}
	if got := repoFile(t, s, next, "fleet.cue"); got != "a: 2\n" {
		t.Errorf("fleet.cue = %q", got)
	}
}
