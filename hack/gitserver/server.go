package gitserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultBranch is the branch PushDir commits to.
const DefaultBranch = "main"

// Server serves the bare repositories under a root directory as <url>/<name>.git.
type Server struct {
	root    string
	backend string

	mu   sync.Mutex
	addr string // kept across Stop and Restart
	srv  *http.Server
	done chan error
}

// Start serves the repositories under root on 127.0.0.1 at a free port.
func Start(ctx context.Context, root string) (*Server, error) {
	return StartAt(ctx, root, "127.0.0.1:0")
}

// StartAt serves the repositories under root on addr (host:port, port 0 picks one).
func StartAt(ctx context.Context, root, addr string) (*Server, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("gitserver: resolve root: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("gitserver: create root: %w", err)
	}
	execPath, err := git(ctx, "", "--exec-path")
	if err != nil {
		return nil, fmt.Errorf("gitserver: find git-http-backend: %w", err)
	}
	backend := filepath.Join(strings.TrimSpace(execPath), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		return nil, fmt.Errorf("gitserver: find git-http-backend: %w", err)
	}
	s := &Server{root: abs, backend: backend, addr: addr}
	if err := s.listen(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("gitserver: listen on %s: %w", s.addr, err)
	}
	s.addr = ln.Addr().String()
	handler := &cgi.Handler{
		Path: s.backend,
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.root,
			// Serve every repository without a git-daemon-export-ok file.
			"GIT_HTTP_EXPORT_ALL=1",
		},
		// The backend's complaints (e.g. an unknown repository) reach the client as HTTP errors.
		Stderr: io.Discard,
	}
	s.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	s.done = make(chan error, 1)
	go func(srv *http.Server, done chan error) {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		done <- err
	}(s.srv, s.done)
	return nil
}

// Addr returns host:port the server listens on, also while it is stopped.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns the clone URL of a repository.
func (s *Server) URL(repo string) string {
	return "http://" + s.Addr() + "/" + strings.TrimSuffix(repo, ".git") + ".git"
}

// Root returns the directory holding the bare repositories.
func (s *Server) Root() string { return s.root }

// Stop closes the listener and the open connections. Restart serves again on the same
// address.
func (s *Server) Stop() error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv, s.done = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	// Close, not Shutdown: a server that goes down drops its clients, as a crash would.
	err := srv.Close()
	return errors.Join(err, <-done)
}

// Restart serves again on the address the server had.
func (s *Server) Restart() error { return s.listen() }

// CreateRepo creates an empty bare repository that accepts pushes over HTTP. Creating
// one that exists is not an error.
func (s *Server) CreateRepo(ctx context.Context, name string) error {
	dir := s.repoDir(name)
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		return nil
	}
	if _, err := git(ctx, "", "init", "--quiet", "--bare", "--initial-branch="+DefaultBranch, dir); err != nil {
		return fmt.Errorf("gitserver: create repository %s: %w", name, err)
	}
	// Anonymous pushes: http-backend refuses receive-pack without a user unless enabled.
	if _, err := git(ctx, dir, "config", "http.receivepack", "true"); err != nil {
		return fmt.Errorf("gitserver: enable push to %s: %w", name, err)
	}
	return nil
}

func (s *Server) repoDir(name string) string {
	return filepath.Join(s.root, strings.TrimSuffix(name, ".git")+".git")
}

// PushDir commits the contents of dir as the whole tree of DefaultBranch of repo (files
// absent from dir are removed) and pushes it over HTTP. It returns the commit's hash.
func (s *Server) PushDir(ctx context.Context, repo, dir, message string) (string, error) {
	return s.PushDirTo(ctx, repo, DefaultBranch, dir, message)
}

// PushDirTo is PushDir onto a named branch.
func (s *Server) PushDirTo(ctx context.Context, repo, branch, dir, message string) (string, error) {
	return Push(ctx, s.URL(repo), branch, dir, message)
}

// Push commits the contents of dir as the whole tree of branch of the repository at url
// (files absent from dir are removed) and pushes it. It returns the commit's hash. It
// works against any Git server that accepts anonymous pushes, such as one of this
// package's in another process.
func Push(ctx context.Context, url, branch, dir, message string) (string, error) {
	src, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("gitserver: push %s: %w", dir, err)
	}
	work, err := os.MkdirTemp("", "gitserver-push-")
	if err != nil {
		return "", fmt.Errorf("gitserver: push %s: %w", dir, err)
	}
	defer os.RemoveAll(work)

	steps := [][]string{
		{"init", "--quiet", "--initial-branch=" + branch},
		// The branch may not exist yet; then the commit has no parent.
		{"fetch", "--quiet", url, "+refs/heads/" + branch + ":refs/remotes/origin/" + branch},
	}
	for i, args := range steps {
		if _, err := git(ctx, work, args...); err != nil {
			if i == 1 && strings.Contains(err.Error(), "couldn't find remote ref") {
				continue
			}
			return "", fmt.Errorf("gitserver: push %s to %s: %w", dir, url, err)
		}
		if i == 1 {
			if _, err := git(ctx, work, "reset", "--quiet", "--soft", "origin/"+branch); err != nil {
				return "", fmt.Errorf("gitserver: push %s to %s: %w", dir, url, err)
			}
		}
	}
	// The index is rebuilt from dir alone, so deletions are committed too.
	for _, args := range [][]string{
		{"--work-tree", src, "add", "--all", "."},
		{"--work-tree", src, "commit", "--quiet", "--allow-empty", "-m", message},
		{"push", "--quiet", url, "HEAD:refs/heads/" + branch},
	} {
		if _, err := git(ctx, work, args...); err != nil {
			return "", fmt.Errorf("gitserver: push %s to %s: %w", dir, url, err)
		}
	}
	out, err := git(ctx, work, "rev-parse", "HEAD")
	if err != nil {
		return "", fmt.Errorf("gitserver: push %s to %s: %w", dir, url, err)
	}
	return strings.TrimSpace(out), nil
}

// git runs the git CLI isolated from the user's and the system's configuration, so hooks,
// signing or credential helpers on a developer machine do not change what it does.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=gardenfleet landscape", "GIT_AUTHOR_EMAIL=landscape@gardenfleet.invalid",
		"GIT_COMMITTER_NAME=gardenfleet landscape", "GIT_COMMITTER_EMAIL=landscape@gardenfleet.invalid",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
