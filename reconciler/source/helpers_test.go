package source

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// gitRepo is a repository on disk driven by the git CLI, the way a user
// would create one.
type gitRepo struct {
	t   testing.TB
	dir string
}

func newGitRepo(t testing.TB) *gitRepo {
	t.Helper()
	r := &gitRepo{t: t, dir: filepath.Join(t.TempDir(), "fleet.git")}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r.git("init", "--quiet", "--initial-branch=main")
	return r
}

func (r *gitRepo) url() string { return "file://" + r.dir }

// git runs the git CLI in the repository and returns its trimmed output.
func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{
		"-c", "user.name=Fleet Tester", "-c", "user.email=tester@example.com",
		"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
	}, args...)...)
	cmd.Dir = r.dir
	// Keep the developer's global config out of the test.
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (path -> content) and commits them, returning the commit id.
func (r *gitRepo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.write(files)
	r.git("add", "--all")
	r.git("commit", "--quiet", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func (r *gitRepo) write(files map[string]string) {
	r.t.Helper()
	for p, c := range files {
		full := filepath.Join(r.dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

// signedCommit commits files with go-git, signing with key.
func (r *gitRepo) signedCommit(msg string, files map[string]string, key *openpgp.Entity) string {
	r.t.Helper()
	r.write(files)
	repo, err := git.PlainOpen(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
	h, err := wt.Commit(msg, &git.CommitOptions{
		Author:  &object.Signature{Name: "Fleet Tester", Email: "tester@example.com", When: time.Unix(1700000000, 0)},
		SignKey: key,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return h.String()
}

// newKey returns a fresh signing key and its armored public part.
func newKey(t *testing.T, name string) (*openpgp.Entity, string) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@example.com", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return e, buf.String()
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustNew(t testing.TB, opts Options) *Source {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// repoFile reads the file name of the artifact's commit with Repo.
func repoFile(t testing.TB, s *Source, art Artifact, name string) string {
	t.Helper()
	r, err := s.Repo(context.Background(), art, ".")
	if err != nil {
		t.Fatal(err)
	}
	b, ok := r.File(name)
	if !ok {
		t.Fatalf("%s: no file %s in %v", art.Revision, name, r.Paths())
	}
	return string(b)
}

// fetchMain fetches and checks that branch main is at commit, with
// fleet.cue holding content.
func fetchMain(t testing.TB, s *Source, commit, content string) {
	t.Helper()
	art, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := "main@sha1:" + commit; art.Revision != want {
		t.Fatalf("Revision = %q, want %q", art.Revision, want)
	}
	if got := repoFile(t, s, art, "fleet.cue"); got != content {
		t.Errorf("fleet.cue = %q, want %q", got, content)
	}
}
