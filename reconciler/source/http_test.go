package source

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// httpGitServer serves the repositories below root over git's smart HTTP
// protocol with git-http-backend, to requests that authorized accepts. It can
// be stopped and started again on the same address.
type httpGitServer struct {
	t       *testing.T
	handler http.Handler
	addr    string
	srv     *http.Server
}

func newHTTPGitServer(t *testing.T, root string, authorized func(*http.Request) bool) *httpGitServer {
	t.Helper()
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	g := &httpGitServer{t: t}
	g.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	})
	g.start("127.0.0.1:0")
	t.Cleanup(g.stop)
	return g
}

func (g *httpGitServer) start(addr string) {
	g.t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		g.t.Fatalf("listen on %s: %v", addr, err)
	}
	g.addr = l.Addr().String()
	g.srv = &http.Server{Handler: g.handler}
	go func() { _ = g.srv.Serve(l) }()
}

func (g *httpGitServer) stop() {
	if g.srv != nil {
		_ = g.srv.Close()
		g.srv = nil
	}
}

func TestFetchHTTP(t *testing.T) {
	ctx := context.Background()
	repo := newGitRepo(t)
	c1 := repo.commit("one", map[string]string{"fleet.cue": "a: 1\n"})
	srv := newHTTPGitServer(t, filepath.Dir(repo.dir), func(r *http.Request) bool {
		u, p, ok := r.BasicAuth()
		return ok && u == "fleet" && p == "s3cret"
	})
	url := "http://" + srv.addr + "/fleet.git"

	t.Run("wrong password", func(t *testing.T) {
		s := mustNew(t, Options{URL: url, Auth: &Auth{Username: "fleet", Password: "wrong"}})
		_, err := s.Fetch(ctx)
		if !errors.Is(err, transport.ErrAuthorizationFailed) && !errors.Is(err, transport.ErrAuthenticationRequired) {
			t.Fatalf("Fetch() error = %v, want an authentication error", err)
		}
		var se *Error
		if !errors.As(err, &se) || se.Op != "list refs" {
			t.Errorf("Fetch() error %#v, want *Error with Op \"list refs\"", err)
		}
	})

	// The password in the URL is sent as basic auth, and neither the cache's
	// git config nor an error shows it.
	t.Run("credentials in the url", func(t *testing.T) {
		s := mustNew(t, Options{URL: "http://fleet:s3cret@" + srv.addr + "/fleet.git"})
		fetchMain(t, s, c1, "a: 1\n")
		config := readFile(t, filepath.Join(s.repoDir, "config"))
		if want := "url = " + url + "\n"; !strings.Contains(config, want) {
			t.Errorf("cache config lacks %q:\n%s", want, config)
		}
		if strings.Contains(config, "s3cret") {
			t.Errorf("cache config holds the password:\n%s", config)
		}
		// Errors name the URL without the password.
		repo.git("branch", "-m", "main", "moved")
		defer repo.git("branch", "-m", "moved", "main")
		_, err := s.Fetch(ctx)
		want := "resolve " + url + ` at branch main: ref not found: no branch "main"`
		if err == nil || err.Error() != want {
			t.Errorf("Fetch() error = %v, want %s", err, want)
		}
	})

	s := mustNew(t, Options{URL: url, Auth: &Auth{Username: "fleet", Password: "s3cret"}})
	art, err := s.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "main@sha1:" + c1; art.Revision != want {
		t.Fatalf("Revision = %q, want %q", art.Revision, want)
	}

	t.Run("server down is a typed error, not an empty artifact", func(t *testing.T) {
		srv.stop()
		got, err := s.Fetch(ctx)
		if got != (Artifact{}) {
			t.Errorf("Fetch() artifact = %+v, want zero on error", got)
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("Fetch() error = %v, want *Error", err)
		}
		want := Error{Op: "list refs", URL: url, Ref: "branch main"}
		if se.Op != want.Op || se.URL != want.URL || se.Ref != want.Ref {
			t.Errorf("Fetch() error = %+v, want Op/URL/Ref %+v", se, want)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("Fetch() error %v does not unwrap to ECONNREFUSED", err)
		}
	})

	t.Run("server back with no new commit keeps the revision", func(t *testing.T) {
		srv.start(srv.addr)
		got, err := s.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != art {
			t.Errorf("Fetch() = %+v, want %+v", got, art)
		}
	})

	t.Run("server back with a new commit", func(t *testing.T) {
		c2 := repo.commit("two", map[string]string{"fleet.cue": "a: 2\n"})
		fetchMain(t, s, c2, "a: 2\n")
	})
}

func TestFetchHTTPBearerToken(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t)
	c1 := repo.commit("one", map[string]string{"fleet.cue": "a: 1\n"})
	srv := newHTTPGitServer(t, filepath.Dir(repo.dir), func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer t0ken"
	})
	s := mustNew(t, Options{URL: "http://" + srv.addr + "/fleet.git", Auth: &Auth{BearerToken: "t0ken"}})
	art, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := "main@sha1:" + c1; art.Revision != want {
		t.Errorf("Revision = %q, want %q", art.Revision, want)
	}
}
