package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/gardenfleet/gardenfleet/snapshot"
)

// Artifact is one fetched revision of the repository. Its files stay in the
// cache's object store: Source.Repo reads them into memory.
type Artifact struct {
	// Revision names the ref and commit: "main@sha1:<hex>" for a branch,
	// "v1.2.0@sha1:<hex>" for a tag or semver range, "sha1:<hex>" for a
	// pinned commit. It changes exactly when the fetched commit does.
	Revision string
	// Commit is the commit's hash, hex.
	Commit string
}

// Error is returned by Fetch for every failure. Err wraps one of the Err
// sentinels where one applies (ErrRefNotFound, ErrUnsigned, ErrSignature) or
// the transport's error (remote down, authentication failed).
type Error struct {
	// Op is the step that failed: "list refs", "fetch", "resolve",
	// "verify", "cache" or "read".
	Op string
	// URL is the repository, without password.
	URL string
	// Ref is what was followed, e.g. "branch main" or "semver >=1.0.0".
	Ref string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%s %s at %s: %v", e.Op, e.URL, e.Ref, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Source follows one ref of one repository. It is not safe for concurrent
// use; the reconciler calls Fetch from one goroutine per Fleet.
type Source struct {
	opts    Options
	repoDir string
	auth    transport.AuthMethod

	// last is the artifact Fetch returned last, lastHash its commit.
	last     Artifact
	lastHash plumbing.Hash
}

// target is a ref resolved to a commit.
type target struct {
	// name is the branch or tag name shown in the revision; empty for a pinned commit.
	name string
	// ref is the remote ref to fetch; empty for a pinned commit.
	ref plumbing.ReferenceName
	// hash is the commit (tags peeled).
	hash plumbing.Hash
}

// New validates opts and returns a Source caching under opts.CacheDir.
// Nothing touches the network until Fetch.
func New(opts Options) (*Source, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("validate source options: %w", err)
	}
	s := &Source{opts: opts, repoDir: filepath.Join(opts.CacheDir, "git")}
	// Earlier versions checked revisions out to rev/; nothing reads them now.
	// NOTE: best effort; a leftover directory costs disk, not correctness.
	_ = os.RemoveAll(filepath.Join(opts.CacheDir, "rev"))
	auth, err := newAuth(opts)
	if err != nil {
		return nil, fmt.Errorf("set up auth for %s: %w", redactedURL(opts.URL), err)
	}
	s.auth = auth
	return s, nil
}

// Fetch brings the followed ref up to date and returns its revision. When the remote still points at the commit of the previous call
// it costs one ref listing and returns the same Artifact. On failure it
// returns a zero Artifact and an *Error: the caller keeps the revision it has.
func (s *Source) Fetch(ctx context.Context) (Artifact, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()

	t, err := s.resolveRemote(ctx)
	if err != nil {
		return Artifact{}, err
	}
	if !t.hash.IsZero() && t.hash == s.lastHash {
		return s.last, nil
	}

	repo, hash, err := s.fetch(ctx, t)
	if err != nil {
		return Artifact{}, err
	}
	t.hash = hash

	commit, err := repo.CommitObject(hash)
	if err != nil {
		return Artifact{}, s.err("resolve", fmt.Errorf("read commit %s: %w", hash, err))
	}
	if err := s.verify(commit); err != nil {
		return Artifact{}, err
	}

	s.last = Artifact{Revision: revision(t), Commit: hash.String()}
	s.lastHash = hash
	return s.last, nil
}

// Cached returns the artifact of a revision as Fetch formatted it, from the
// cache alone: after a restart with the remote down, the revision applied
// last can stay in force. The commit is verified again when keys are
// configured. A revision the cache does not hold is an *Error wrapping
// ErrNotCached.
func (s *Source) Cached(revision string) (Artifact, error) {
	_, hex, _ := strings.Cut(revision, "sha1:")
	if _, _, err := s.cachedCommit(revision, hex); err != nil {
		return Artifact{}, err
	}
	return Artifact{Revision: revision, Commit: hex}, nil
}

// Repo reads the directory dir (slash-separated, "." for the root) of the
// artifact's commit from the cache into memory, as ReadTree does: the tree
// never reaches the disk, and what git fsck would flag, symlinks and
// submodules are refused. The commit is verified again when keys are
// configured. Errors are *Error at "read" (wrapping ErrNoDirectory when dir
// is not in the commit), or at "cache" when the cache lacks the commit.
func (s *Source) Repo(ctx context.Context, art Artifact, dir string) (*snapshot.Repo, error) {
	repo, commit, err := s.cachedCommit(art.Revision, art.Commit)
	if err != nil {
		return nil, err
	}
	r, err := ReadTree(ctx, repo, commit, dir)
	if err != nil {
		return nil, s.err("read", err)
	}
	return r, nil
}

// cachedCommit returns the verified commit hex, of the revision named
// revision, from the cache alone.
func (s *Source) cachedCommit(revision, hex string) (*git.Repository, *object.Commit, error) {
	if !commitPattern.MatchString(hex) {
		return nil, nil, s.err("cache", fmt.Errorf("%w: revision %q names no commit", ErrNotCached, revision))
	}
	if !dirExists(s.repoDir) {
		return nil, nil, s.err("cache", fmt.Errorf("%w: no repository in %s", ErrNotCached, s.repoDir))
	}
	repo, err := s.openRepo()
	if err != nil {
		return nil, nil, s.err("cache", err)
	}
	commit, err := repo.CommitObject(plumbing.NewHash(hex))
	if err != nil {
		return nil, nil, s.err("cache", fmt.Errorf("%w: commit %s: %w", ErrNotCached, hex, err))
	}
	if err := s.verify(commit); err != nil {
		return nil, nil, err
	}
	return repo, commit, nil
}

// revision formats the artifact revision of a resolved target.
func revision(t target) string {
	if t.name == "" {
		return "sha1:" + t.hash.String()
	}
	return t.name + "@sha1:" + t.hash.String()
}

func (s *Source) err(op string, err error) *Error {
	return &Error{Op: op, URL: redactedURL(s.opts.URL), Ref: s.opts.refString(), Err: err}
}

// resolveRemote lists the remote's refs (one round trip) and picks the
// followed one. A pinned commit needs no listing.
func (s *Source) resolveRemote(ctx context.Context) (target, error) {
	if s.opts.Commit != "" {
		return target{hash: plumbing.NewHash(s.opts.Commit)}, nil
	}
	remote := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{
		Name: git.DefaultRemoteName,
		URLs: []string{s.opts.URL},
	})
	refs, err := remote.ListContext(ctx, &git.ListOptions{
		Auth:          s.auth,
		CABundle:      s.opts.CABundle,
		PeelingOption: git.AppendPeeled,
	})
	if err != nil {
		if errors.Is(err, transport.ErrEmptyRemoteRepository) {
			err = fmt.Errorf("%w: empty repository", ErrRefNotFound)
		}
		return target{}, s.err("list refs", err)
	}
	byName := make(map[plumbing.ReferenceName]plumbing.Hash, len(refs))
	for _, r := range refs {
		byName[r.Name()] = r.Hash()
	}

	var name string
	switch {
	case s.opts.Branch != "":
		name = s.opts.Branch
		ref := plumbing.NewBranchReferenceName(name)
		h, ok := byName[ref]
		if !ok {
			return target{}, s.err("resolve", fmt.Errorf("%w: no branch %q", ErrRefNotFound, name))
		}
		return target{name: name, ref: ref, hash: h}, nil
	case s.opts.Tag != "":
		name = s.opts.Tag
	default:
		name, err = newestMatchingTag(byName, s.opts.constraint)
		if err != nil {
			return target{}, s.err("resolve", err)
		}
	}
	ref := plumbing.NewTagReferenceName(name)
	h, ok := byName[ref]
	if !ok {
		return target{}, s.err("resolve", fmt.Errorf("%w: no tag %q", ErrRefNotFound, name))
	}
	// An annotated tag lists the tag object; the peeled entry is its commit.
	if peeled, ok := byName[ref+"^{}"]; ok {
		h = peeled
	}
	return target{name: name, ref: ref, hash: h}, nil
}

// newestMatchingTag returns the highest version tag matching c. Tags that do
// not parse as versions are ignored.
func newestMatchingTag(refs map[plumbing.ReferenceName]plumbing.Hash, c *semver.Constraints) (string, error) {
	var (
		best    *semver.Version
		bestTag string
	)
	for ref := range refs {
		if !ref.IsTag() || strings.HasSuffix(ref.String(), "^{}") {
			continue
		}
		tag := ref.Short()
		v, err := semver.NewVersion(tag)
		if err != nil || !c.Check(v) {
			continue
		}
		// Ties ("v1.0.0" and "1.0.0") go to the lexically smaller tag, so the
		// choice does not depend on map order.
		if best == nil || v.GreaterThan(best) || (v.Equal(best) && tag < bestTag) {
			best, bestTag = v, tag
		}
	}
	if best == nil {
		return "", fmt.Errorf("%w: no tag matches %q", ErrRefNotFound, c.String())
	}
	return bestTag, nil
}

// fetch brings the target's commit into the cache and returns its hash. A
// shallow cache that go-git cannot fetch into (or that lacks the commit
// after fetching) is thrown away and cloned again once.
func (s *Source) fetch(ctx context.Context, t target) (*git.Repository, plumbing.Hash, error) {
	repo, hash, err := s.fetchInto(ctx, t)
	if err == nil {
		return repo, hash, nil
	}
	var fe *Error
	if errors.As(err, &fe) && fe.Op == "fetch" && isTransportError(fe.Err) {
		// The remote went away between listing and fetching: the cache is fine.
		return nil, plumbing.ZeroHash, err
	}
	if rmErr := os.RemoveAll(s.repoDir); rmErr != nil {
		return nil, plumbing.ZeroHash, s.err("fetch", errors.Join(err, rmErr))
	}
	return s.fetchInto(ctx, t)
}

func isTransportError(err error) bool {
	for _, e := range []error{
		transport.ErrRepositoryNotFound, transport.ErrAuthenticationRequired,
		transport.ErrAuthorizationFailed, transport.ErrInvalidAuthMethod,
		context.DeadlineExceeded, context.Canceled,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

func (s *Source) fetchInto(ctx context.Context, t target) (*git.Repository, plumbing.Hash, error) {
	repo, err := s.openRepo()
	if err != nil {
		return nil, plumbing.ZeroHash, s.err("fetch", err)
	}

	if t.ref == "" {
		// A pinned commit already in the cache needs no network at all.
		if _, err := repo.CommitObject(t.hash); err == nil {
			return repo, t.hash, nil
		}
	}

	opts := &git.FetchOptions{
		RemoteName: git.DefaultRemoteName,
		Auth:       s.auth,
		CABundle:   s.opts.CABundle,
		Tags:       git.NoTags,
		Force:      true,
	}
	var local plumbing.ReferenceName
	switch {
	case t.ref.IsBranch():
		local = plumbing.NewRemoteReferenceName(git.DefaultRemoteName, t.ref.Short())
		opts.RefSpecs = []config.RefSpec{config.RefSpec("+" + t.ref.String() + ":" + local.String())}
		opts.Depth = 1
	case t.ref.IsTag():
		local = t.ref
		opts.RefSpecs = []config.RefSpec{config.RefSpec("+" + t.ref.String() + ":" + local.String())}
		opts.Depth = 1
	default:
		// Servers need not serve an arbitrary commit by id, so fetch every
		// branch and tag in full and look the commit up.
		opts.RefSpecs = []config.RefSpec{
			"+refs/heads/*:refs/remotes/origin/*",
			"+refs/tags/*:refs/tags/*",
		}
	}
	if err := repo.FetchContext(ctx, opts); err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		if errors.Is(err, transport.ErrEmptyRemoteRepository) {
			err = fmt.Errorf("%w: empty repository", ErrRefNotFound)
		}
		return nil, plumbing.ZeroHash, s.err("fetch", err)
	}

	if local == "" {
		if _, err := repo.CommitObject(t.hash); err != nil {
			return nil, plumbing.ZeroHash, s.err("resolve", fmt.Errorf("%w: no commit %s", ErrRefNotFound, t.hash))
		}
		return repo, t.hash, nil
	}
	// The ref may have moved since it was listed; what was fetched wins.
	ref, err := repo.Reference(local, true)
	if err != nil {
		return nil, plumbing.ZeroHash, s.err("resolve", fmt.Errorf("%w: %s not fetched: %w", ErrRefNotFound, t.ref, err))
	}
	hash, err := peel(repo, ref.Hash())
	if err != nil {
		return nil, plumbing.ZeroHash, s.err("resolve", err)
	}
	return repo, hash, nil
}

// peel follows annotated tags down to the commit.
func peel(repo *git.Repository, h plumbing.Hash) (plumbing.Hash, error) {
	for range 10 {
		tag, err := repo.TagObject(h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return h, nil
		}
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read tag %s: %w", h, err)
		}
		if tag.TargetType != plumbing.CommitObject && tag.TargetType != plumbing.TagObject {
			return plumbing.ZeroHash, fmt.Errorf("tag %s points to a %s, not a commit", tag.Name, tag.TargetType)
		}
		h = tag.Target
	}
	return plumbing.ZeroHash, fmt.Errorf("tag chain from %s too long", h)
}

// openRepo opens the cache's bare repository, creating it and the origin
// remote on first use and repointing origin when the URL changed.
func (s *Source) openRepo() (*git.Repository, error) {
	// Objects above a fleet file's bound are streamed, not read into memory,
	// so that ReadTree refuses them by size alone.
	st := filesystem.NewStorageWithOptions(osfs.New(s.repoDir), cache.NewObjectLRUDefault(),
		filesystem.Options{LargeObjectThreshold: snapshot.MaxFileBytes})
	repo, err := git.Open(st, nil)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.Init(st, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", s.repoDir, err)
	}
	cfg, err := repo.Config()
	if err != nil {
		return nil, fmt.Errorf("read cache config: %w", err)
	}
	if rc, ok := cfg.Remotes[git.DefaultRemoteName]; ok && slices.Equal(rc.URLs, []string{s.opts.URL}) {
		return repo, nil
	}
	cfg.Remotes[git.DefaultRemoteName] = &config.RemoteConfig{
		Name: git.DefaultRemoteName,
		URLs: []string{s.opts.URL},
	}
	if err := repo.SetConfig(cfg); err != nil {
		return nil, fmt.Errorf("write cache config: %w", err)
	}
	return repo, nil
}

// verify checks the commit's OpenPGP signature when keys are configured.
func (s *Source) verify(c *object.Commit) error {
	if len(s.opts.VerifyKeys) == 0 {
		return nil
	}
	if c.PGPSignature == "" {
		return s.err("verify", fmt.Errorf("%w: %s", ErrUnsigned, c.Hash))
	}
	var errs []error
	for _, key := range s.opts.VerifyKeys {
		_, err := c.Verify(key)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return s.err("verify", fmt.Errorf("%w: %s: %w", ErrSignature, c.Hash, errors.Join(errs...)))
}

func dirExists(dir string) bool {
	if dir == "" {
		return false
	}
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}
