package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFetchBranchLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := newGitRepo(t)
	first := repo.commit("first", map[string]string{"fleet.cue": "a: 1\n", "shoots/s1.cue": "s1: true\n"})
	s := mustNew(t, Options{URL: repo.url(), Branch: "main"})

	var firstArt Artifact
	t.Run("clone", func(t *testing.T) {
		art, err := s.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Artifact{Revision: "main@sha1:" + first, Commit: first}
		if diff := cmp.Diff(want, art); diff != "" {
			t.Fatalf("Fetch() (-want +got):\n%s", diff)
		}
		if got := repoFile(t, s, art, "shoots/s1.cue"); got != "s1: true\n" {
			t.Errorf("shoots/s1.cue = %q", got)
		}
		// Depth 1: git records the cut-off commit in the shallow file.
		if got := readFile(t, filepath.Join(s.repoDir, "shallow")); got != first+"\n" {
			t.Errorf("shallow = %q, want %q", got, first+"\n")
		}
		firstArt = art
	})

	t.Run("no new commit returns the same artifact without fetching", func(t *testing.T) {
		// Without the object store a fetch would have to recreate it.
		if err := os.RemoveAll(s.repoDir); err != nil {
			t.Fatal(err)
		}
		art, err := s.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(firstArt, art); diff != "" {
			t.Errorf("Fetch() (-want +got):\n%s", diff)
		}
		if _, err := os.Stat(s.repoDir); !os.IsNotExist(err) {
			t.Errorf("object store touched: stat = %v", err)
		}
	})

	var second string
	t.Run("new commit is fetched", func(t *testing.T) {
		second = repo.commit("second", map[string]string{"fleet.cue": "a: 2\n"})
		art, err := s.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Artifact{Revision: "main@sha1:" + second, Commit: second}
		if diff := cmp.Diff(want, art); diff != "" {
			t.Fatalf("Fetch() (-want +got):\n%s", diff)
		}
		if got := repoFile(t, s, art, "fleet.cue"); got != "a: 2\n" {
			t.Errorf("fleet.cue = %q", got)
		}
	})

	t.Run("incremental shallow fetch", func(t *testing.T) {
		// A fetch into the cache, not a fresh clone, keeps what else is there.
		marker := filepath.Join(s.repoDir, "marker")
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		third := repo.commit("third", map[string]string{"fleet.cue": "a: 3\n"})
		art, err := s.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := "main@sha1:" + third; art.Revision != want {
			t.Errorf("Revision = %q, want %q", art.Revision, want)
		}
		if _, err := os.Stat(marker); err != nil {
			t.Errorf("cache was cloned afresh instead of fetched into: %v", err)
		}
	})
}

func TestFetchRecoversBrokenCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := newGitRepo(t)
	repo.commit("first", map[string]string{"f": "1"})
	s := mustNew(t, Options{URL: repo.url()})
	if _, err := s.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	// Lose the object store and garble the config, as a full disk or a
	// killed process might.
	if err := os.RemoveAll(filepath.Join(s.repoDir, "objects")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.repoDir, "config"), []byte("[remote \"origin"), 0o644); err != nil {
		t.Fatal(err)
	}
	second := repo.commit("second", map[string]string{"f": "2"})
	art, err := s.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch() with a broken cache: %v", err)
	}
	if want := "main@sha1:" + second; art.Revision != want {
		t.Errorf("Revision = %q, want %q", art.Revision, want)
	}
	if got := repoFile(t, s, art, "f"); got != "2" {
		t.Errorf("f = %q, want 2", got)
	}
}

func TestFetchRefs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := newGitRepo(t)
	c1 := repo.commit("one", map[string]string{"v": "1.0.0"})
	repo.git("tag", "v1.0.0")
	c2 := repo.commit("two", map[string]string{"v": "1.1.0"})
	repo.git("tag", "-a", "v1.1.0", "-m", "annotated")
	c3 := repo.commit("three", map[string]string{"v": "1.2.0-rc.1"})
	repo.git("tag", "v1.2.0-rc.1")
	repo.git("tag", "not-a-version")
	c4 := repo.commit("four", map[string]string{"v": "2.0.0"})
	repo.git("tag", "2.0.0")
	repo.git("checkout", "--quiet", "-b", "release", c1)
	c5 := repo.commit("five", map[string]string{"v": "release"})
	repo.git("checkout", "--quiet", "main")

	tests := []struct {
		name     string
		opts     Options
		wantRev  string
		wantFile string
	}{
		{name: "default branch", opts: Options{}, wantRev: "main@sha1:" + c4, wantFile: "2.0.0"},
		{name: "other branch", opts: Options{Branch: "release"}, wantRev: "release@sha1:" + c5, wantFile: "release"},
		{name: "lightweight tag", opts: Options{Tag: "v1.0.0"}, wantRev: "v1.0.0@sha1:" + c1, wantFile: "1.0.0"},
		{name: "annotated tag peeled to its commit", opts: Options{Tag: "v1.1.0"}, wantRev: "v1.1.0@sha1:" + c2, wantFile: "1.1.0"},
		{name: "non-version tag by name", opts: Options{Tag: "not-a-version"}, wantRev: "not-a-version@sha1:" + c3, wantFile: "1.2.0-rc.1"},
		// semver: prereleases only match a constraint that names one
		{name: "semver newest in range", opts: Options{SemVer: "~1"}, wantRev: "v1.1.0@sha1:" + c2, wantFile: "1.1.0"},
		{name: "semver prerelease", opts: Options{SemVer: ">=1.2.0-rc.0 <2"}, wantRev: "v1.2.0-rc.1@sha1:" + c3, wantFile: "1.2.0-rc.1"},
		{name: "semver tag without v", opts: Options{SemVer: ">=1"}, wantRev: "2.0.0@sha1:" + c4, wantFile: "2.0.0"},
		{name: "pinned commit", opts: Options{Commit: c2}, wantRev: "sha1:" + c2, wantFile: "1.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.URL = repo.url()
			s := mustNew(t, tt.opts)
			art, err := s.Fetch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if art.Revision != tt.wantRev {
				t.Errorf("Revision = %q, want %q", art.Revision, tt.wantRev)
			}
			if got := repoFile(t, s, art, "v"); got != tt.wantFile {
				t.Errorf("file v = %q, want %q", got, tt.wantFile)
			}
		})
	}

	t.Run("moved tag is followed", func(t *testing.T) {
		s := mustNew(t, Options{URL: repo.url(), Tag: "v1.0.0"})
		if _, err := s.Fetch(ctx); err != nil {
			t.Fatal(err)
		}
		repo.git("tag", "--force", "v1.0.0", c5)
		art, err := s.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := "v1.0.0@sha1:" + c5; art.Revision != want {
			t.Errorf("Revision = %q, want %q", art.Revision, want)
		}
	})

	t.Run("new matching tag is followed", func(t *testing.T) {
		s := mustNew(t, Options{URL: repo.url(), SemVer: "^2"})
		if _, err := s.Fetch(ctx); err != nil {
			t.Fatal(err)
		}
		c6 := repo.commit("six", map[string]string{"v": "2.1.0"})
		repo.git("tag", "v2.1.0")
		art, err := s.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := "v2.1.0@sha1:" + c6; art.Revision != want {
			t.Errorf("Revision = %q, want %q", art.Revision, want)
		}
	})
}

func TestFetchErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := newGitRepo(t)
	repo.commit("one", map[string]string{"f": "1"})
	missing := "0123456789abcdef0123456789abcdef01234567"
	empty := newGitRepo(t)

	tests := []struct {
		name    string
		opts    Options
		wantOp  string
		wantIs  error
		wantErr string
	}{
		{
			name: "missing branch", opts: Options{URL: repo.url(), Branch: "nope"},
			wantOp: "resolve", wantIs: ErrRefNotFound,
			wantErr: `resolve ` + repo.url() + ` at branch nope: ref not found: no branch "nope"`,
		},
		{
			name: "missing tag", opts: Options{URL: repo.url(), Tag: "v9"},
			wantOp: "resolve", wantIs: ErrRefNotFound,
			wantErr: `resolve ` + repo.url() + ` at tag v9: ref not found: no tag "v9"`,
		},
		{
			name: "no tag in range", opts: Options{URL: repo.url(), SemVer: ">=3"},
			wantOp: "resolve", wantIs: ErrRefNotFound,
			wantErr: `resolve ` + repo.url() + ` at semver >=3: ref not found: no tag matches ">=3"`,
		},
		{
			name: "missing commit", opts: Options{URL: repo.url(), Commit: missing},
			wantOp: "resolve", wantIs: ErrRefNotFound,
			wantErr: `resolve ` + repo.url() + ` at commit ` + missing + `: ref not found: no commit ` + missing,
		},
		{
			name: "empty repository", opts: Options{URL: empty.url()},
			wantOp: "list refs", wantIs: ErrRefNotFound,
			wantErr: `list refs ` + empty.url() + ` at branch main: ref not found: empty repository`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustNew(t, tt.opts)
			art, err := s.Fetch(ctx)
			if err == nil {
				t.Fatalf("Fetch() = %+v, want error", art)
			}
			if art != (Artifact{}) {
				t.Errorf("Fetch() artifact = %+v, want zero on error", art)
			}
			var se *Error
			if !errors.As(err, &se) || se.Op != tt.wantOp {
				t.Errorf("Fetch() error %#v, want *Error with Op %q", err, tt.wantOp)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("Fetch() error %v is not %v", err, tt.wantIs)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Fetch() error\n got %q\nwant %q", err, tt.wantErr)
			}
		})
	}
}

func TestFetchVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	signer, signerPub := newKey(t, "signer")
	_, otherPub := newKey(t, "other")

	repo := newGitRepo(t)
	unsigned := repo.commit("unsigned", map[string]string{"f": "0"})
	signed := repo.signedCommit("signed", map[string]string{"f": "1"}, signer)
	repo.git("branch", "unsigned", unsigned)

	tests := []struct {
		name    string
		opts    Options
		wantRev string
		wantIs  error
		wantErr string
	}{
		{
			name: "signed by a trusted key", opts: Options{Branch: "main", VerifyKeys: []string{otherPub, signerPub}},
			wantRev: "main@sha1:" + signed,
		},
		{
			name: "not signed", opts: Options{Branch: "unsigned", VerifyKeys: []string{signerPub}},
			wantIs:  ErrUnsigned,
			wantErr: "verify " + repo.url() + " at branch unsigned: commit is not signed: " + unsigned,
		},
		{
			name: "signed by an unknown key", opts: Options{Branch: "main", VerifyKeys: []string{otherPub}},
			wantIs:  ErrSignature,
			wantErr: "verify " + repo.url() + " at branch main: commit signature does not verify: " + signed + ": openpgp: signature made by unknown entity",
		},
		{name: "no keys, no verification", opts: Options{Branch: "unsigned"}, wantRev: "unsigned@sha1:" + unsigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.URL = repo.url()
			s := mustNew(t, tt.opts)
			art, err := s.Fetch(ctx)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Fetch() error\n got %v\nwant %s", err, tt.wantErr)
				}
				if !errors.Is(err, tt.wantIs) {
					t.Errorf("Fetch() error is not %v", tt.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if art.Revision != tt.wantRev {
				t.Errorf("Revision = %q, want %q", art.Revision, tt.wantRev)
			}
		})
	}
}

// A restarted daemon finds the revision it applied last in the cache's
// object store, with the remote gone.
func TestCached(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := newGitRepo(t)
	first := repo.commit("first", map[string]string{"fleet.cue": "a: 1\n"})
	cache := t.TempDir()
	s := mustNew(t, Options{URL: repo.url(), Branch: "main", CacheDir: cache})
	art, err := s.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(repo.dir); err != nil {
		t.Fatal(err)
	}

	restarted := mustNew(t, Options{URL: repo.url(), Branch: "main", CacheDir: cache})
	if _, err := restarted.Fetch(ctx); err == nil {
		t.Fatal("Fetch() from a removed remote succeeded")
	}
	got, err := restarted.Cached(art.Revision)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(art, got); diff != "" {
		t.Errorf("Cached() (-want +got):\n%s", diff)
	}

	if content := repoFile(t, restarted, got, "fleet.cue"); content != "a: 1\n" {
		t.Errorf("read from the object store: fleet.cue = %q", content)
	}

	for _, rev := range []string{"", "main", "main@sha1:" + strings.Repeat("0", 40), "main@sha1:" + first[:12]} {
		if _, err := restarted.Cached(rev); !errors.Is(err, ErrNotCached) {
			t.Errorf("Cached(%q) = %v, want ErrNotCached", rev, err)
		}
	}
	empty := mustNew(t, Options{URL: repo.url(), Branch: "main", CacheDir: t.TempDir()})
	if _, err := empty.Cached(art.Revision); !errors.Is(err, ErrNotCached) {
		t.Errorf("Cached() from an empty cache = %v, want ErrNotCached", err)
	}
}

func TestCachedVerifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	signer, signerPub := newKey(t, "signer")
	_, otherPub := newKey(t, "other")
	repo := newGitRepo(t)
	repo.signedCommit("signed", map[string]string{"f": "1"}, signer)
	cache := t.TempDir()
	art, err := mustNew(t, Options{URL: repo.url(), Branch: "main", CacheDir: cache, VerifyKeys: []string{signerPub}}).Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other := mustNew(t, Options{URL: repo.url(), Branch: "main", CacheDir: cache, VerifyKeys: []string{otherPub}})
	if _, err := other.Cached(art.Revision); !errors.Is(err, ErrSignature) {
		t.Errorf("Cached() with another key = %v, want ErrSignature", err)
	}
}
