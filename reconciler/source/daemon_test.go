package source

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/onsi/gomega"
)

// startGitDaemon serves the repositories below root over git:// with the
// git CLI's own daemon and returns its address.
func startGitDaemon(t *testing.T, root string) string {
	t.Helper()
	// Reserve a free port, then hand it to the daemon.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()

	cmd := exec.Command("git", "daemon", "--export-all", "--reuseaddr", "--base-path="+root,
		"--listen=127.0.0.1", "--port="+strconv.Itoa(port), root)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start git daemon: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// Readiness, not a timing assertion: wait until the daemon accepts.
	gomega.NewWithT(t).Eventually(func() error {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
		}
		return err
	}).WithTimeout(10*time.Second).WithPolling(20*time.Millisecond).Should(gomega.Succeed(), "git daemon on %s ready", addr)
	return addr
}

func TestFetchGitProtocol(t *testing.T) {
	repo := newGitRepo(t)
	c1 := repo.commit("one", map[string]string{"fleet.cue": "a: 1\n"})
	repo.git("tag", "v1.0.0")
	addr := startGitDaemon(t, filepath.Dir(repo.dir))

	s := mustNew(t, Options{URL: "git://" + addr + "/fleet.git", SemVer: "^1"})
	art, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1.0.0@sha1:" + c1; art.Revision != want {
		t.Errorf("Revision = %q, want %q", art.Revision, want)
	}
	if got := repoFile(t, s, art, "fleet.cue"); got != "a: 1\n" {
		t.Errorf("fleet.cue = %q", got)
	}
}
