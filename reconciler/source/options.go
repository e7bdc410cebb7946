package source

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/ProtonMail/go-crypto/openpgp"
)

// Sentinel errors returned by Options.Validate and, wrapped in *Error, by
// Source.Fetch. Callers branch on them with errors.Is.
var (
	// ErrNoURL means Options.URL is empty.
	ErrNoURL = errors.New("no repository url")
	// ErrInvalidURL means Options.URL does not parse.
	ErrInvalidURL = errors.New("invalid repository url")
	// ErrUnsupportedScheme means the URL is not https, http, ssh, git or file.
	ErrUnsupportedScheme = errors.New("unsupported url scheme")
	// ErrNoCacheDir means Options.CacheDir is empty.
	ErrNoCacheDir = errors.New("no cache directory")
	// ErrMultipleRefs means more than one of Branch, Tag, SemVer and Commit is set.
	ErrMultipleRefs = errors.New("more than one of branch, tag, semver and commit set")
	// ErrInvalidCommit means Options.Commit is not a full 40 character hex SHA-1.
	ErrInvalidCommit = errors.New("commit is not a 40 character hex sha-1")
	// ErrInvalidSemVer means Options.SemVer is not a valid semver constraint.
	ErrInvalidSemVer = errors.New("invalid semver constraint")
	// ErrAuthMismatch means the credentials do not fit the URL's transport
	// (for example an ssh key for an https URL) or conflict with each other.
	ErrAuthMismatch = errors.New("credentials do not fit the url")
	// ErrNoKnownHosts means an ssh URL was given without known_hosts: host
	// keys are always verified.
	ErrNoKnownHosts = errors.New("ssh needs known_hosts")
	// ErrInvalidKey means a verification key is not an armored OpenPGP public key.
	ErrInvalidKey = errors.New("invalid openpgp public key")

	// ErrNotCached means Source.Cached was asked for a revision the cache
	// does not hold.
	ErrNotCached = errors.New("revision not in the cache")

	// ErrRefNotFound means the branch, tag, semver range or commit does not
	// exist in the remote.
	ErrRefNotFound = errors.New("ref not found")
	// ErrUnsigned means verification was asked for and the commit has no
	// OpenPGP signature.
	ErrUnsigned = errors.New("commit is not signed")
	// ErrSignature means the commit's signature does not verify against any
	// of the given keys.
	ErrSignature = errors.New("commit signature does not verify")
)

// Defaults filled in by Options.Validate.
const (
	// DefaultBranch is followed when no ref is given.
	DefaultBranch = "main"
	// DefaultTimeout bounds one Fetch.
	DefaultTimeout = 60 * time.Second
)

var commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// scpLike matches git's "user@host:path" ssh shorthand.
var scpLike = regexp.MustCompile(`^(?:[^@/]+@)?[^:/]+:[^/].*$`)

// Options configures a Source. Exactly one of Branch, Tag, SemVer and Commit
// selects what to follow; with none set the source follows DefaultBranch.
type Options struct {
	// URL of the repository: https://, http://, ssh://, user@host:path, git://
	// or file://. Validate moves credentials in an http(s) URL
	// (https://user:token@host/repo) into Auth: they are sent as basic auth
	// and neither stored in the cache nor shown in errors.
	URL string

	// Branch to follow; its newest commit is checked out on every fetch.
	Branch string
	// Tag to check out; a tag moved in the remote is followed.
	Tag string
	// SemVer is a Masterminds/semver constraint (">=1.2.0 <2.0.0"); the
	// newest tag that parses as a version and matches is checked out.
	SemVer string
	// Commit pins a full 40 character SHA-1; nothing moves it.
	Commit string

	// CacheDir holds the object store. One Source per directory: two
	// sources sharing one race.
	CacheDir string

	// Auth holds credentials; nil means anonymous.
	Auth *Auth

	// CABundle is PEM encoded CA certificates trusted for https in addition
	// to the system pool.
	CABundle []byte

	// VerifyKeys are armored OpenPGP public keys. When set, the commit must
	// carry a signature made by one of them or Fetch fails before anything is
	// checked out.
	VerifyKeys []string

	// Timeout bounds one Fetch (ref listing and fetch). Default
	// DefaultTimeout.
	Timeout time.Duration

	// constraint is parsed from SemVer by Validate.
	constraint *semver.Constraints
}

// Auth holds credentials for one transport. Set the fields of one transport only.
type Auth struct {
	// Username and Password are https basic auth. With a token as password
	// this is what GitHub and GitLab expect (username "git" or any).
	Username string
	Password string
	// BearerToken is sent as "Authorization: Bearer <token>" over https.
	BearerToken string

	// SSHUser overrides the user in an ssh URL; default "git".
	SSHUser string
	// SSHPrivateKey is a PEM encoded private key for ssh.
	SSHPrivateKey []byte
	// SSHPassphrase decrypts SSHPrivateKey when it is encrypted.
	SSHPassphrase string
	// KnownHosts is the content of a known_hosts file; required for ssh, as
	// host keys are always checked.
	KnownHosts []byte
}

// Validate checks the options and fills in defaults. It returns the first
// problem found, wrapping one of the Err sentinels.
func (o *Options) Validate() error {
	if o.URL == "" {
		return ErrNoURL
	}
	scheme, err := urlScheme(o.URL)
	if err != nil {
		return err
	}
	if o.CacheDir == "" {
		return ErrNoCacheDir
	}

	set := 0
	for _, r := range []string{o.Branch, o.Tag, o.SemVer, o.Commit} {
		if r != "" {
			set++
		}
	}
	switch {
	case set > 1:
		return ErrMultipleRefs
	case set == 0:
		o.Branch = DefaultBranch
	}
	if o.Commit != "" && !commitPattern.MatchString(o.Commit) {
		return fmt.Errorf("%w: %q", ErrInvalidCommit, o.Commit)
	}
	if o.SemVer != "" {
		c, err := semver.NewConstraint(o.SemVer)
		if err != nil {
			return fmt.Errorf("%w %q: %w", ErrInvalidSemVer, o.SemVer, err)
		}
		o.constraint = c
	}

	if err := o.takeURLCredentials(scheme); err != nil {
		return err
	}

	if err := o.Auth.validate(scheme); err != nil {
		return err
	}

	for i, k := range o.VerifyKeys {
		if _, err := openpgp.ReadArmoredKeyRing(strings.NewReader(k)); err != nil {
			return fmt.Errorf("%w: key %d: %w", ErrInvalidKey, i, err)
		}
	}

	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return nil
}

func (a *Auth) validate(scheme string) error {
	if a == nil {
		if scheme == "ssh" {
			return ErrNoKnownHosts
		}
		return nil
	}
	basic := a.Username != "" || a.Password != ""
	token := a.BearerToken != ""
	ssh := a.SSHUser != "" || len(a.SSHPrivateKey) > 0 || a.SSHPassphrase != "" || len(a.KnownHosts) > 0
	switch scheme {
	case "http", "https":
		if ssh {
			return fmt.Errorf("%w: ssh credentials for a %s url", ErrAuthMismatch, scheme)
		}
		if basic && token {
			return fmt.Errorf("%w: both basic auth and a bearer token", ErrAuthMismatch)
		}
	case "ssh":
		if basic || token {
			return fmt.Errorf("%w: basic auth or token for an ssh url", ErrAuthMismatch)
		}
		if len(a.KnownHosts) == 0 {
			return ErrNoKnownHosts
		}
		if len(a.SSHPrivateKey) == 0 {
			return fmt.Errorf("%w: ssh url without a private key", ErrAuthMismatch)
		}
	default:
		if basic || token || ssh {
			return fmt.Errorf("%w: credentials for a %s url", ErrAuthMismatch, scheme)
		}
	}
	return nil
}

// urlScheme returns the transport of a repository URL, "ssh" for the scp-like
// shorthand.
func urlScheme(raw string) (string, error) {
	if !strings.Contains(raw, "://") && scpLike.MatchString(raw) {
		return "ssh", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// net/url's message quotes the URL whole, credentials and all: keep
		// only its reason, and that only when there is no userinfo it could
		// echo a part of.
		var ue *url.Error
		if strings.Contains(raw, "@") || !errors.As(err, &ue) {
			return "", fmt.Errorf("%w %s", ErrInvalidURL, redactedURL(raw))
		}
		return "", fmt.Errorf("%w %s: %w", ErrInvalidURL, redactedURL(raw), ue.Err)
	}
	switch u.Scheme {
	case "http", "https", "ssh", "git", "file":
		return u.Scheme, nil
	}
	return "", fmt.Errorf("%w %q", ErrUnsupportedScheme, u.Scheme)
}

// refString names what the options follow, for errors and revisions.
func (o *Options) refString() string {
	switch {
	case o.Commit != "":
		return "commit " + o.Commit
	case o.Tag != "":
		return "tag " + o.Tag
	case o.SemVer != "":
		return "semver " + o.SemVer
	}
	return "branch " + o.Branch
}

// takeURLCredentials moves the userinfo of an http(s) URL into Auth, as
// go-git would otherwise write it into the cache's git config with the
// remote. Other transports take no password in the URL: ssh authenticates
// with a key, git:// and file:// not at all.
func (o *Options) takeURLCredentials(scheme string) error {
	if !strings.Contains(o.URL, "://") {
		// scp-like user@host:path: the user is what precedes an @ before any slash.
		if user, _, ok := strings.Cut(o.URL, "@"); ok && !strings.Contains(user, "/") && strings.Contains(user, ":") {
			return fmt.Errorf("%w: a password in an ssh url; ssh authenticates with a key", ErrAuthMismatch)
		}
		return nil
	}
	u, err := url.Parse(o.URL)
	if err != nil || u.User == nil {
		return nil // urlScheme parsed it already
	}
	password, hasPassword := u.User.Password()
	switch scheme {
	case "http", "https":
	case "ssh":
		if hasPassword {
			return fmt.Errorf("%w: a password in an ssh url; ssh authenticates with a key", ErrAuthMismatch)
		}
		return nil
	default:
		return fmt.Errorf("%w: credentials in a %s url", ErrAuthMismatch, scheme)
	}
	a := Auth{}
	if o.Auth != nil {
		if o.Auth.Username != "" || o.Auth.Password != "" || o.Auth.BearerToken != "" {
			return fmt.Errorf("%w: credentials both in the url and in auth", ErrAuthMismatch)
		}
		a = *o.Auth
	}
	a.Username, a.Password = u.User.Username(), password
	o.Auth = &a
	u.User = nil
	o.URL = u.String()
	return nil
}

// RedactURL returns a repository URL as errors and logs may show it: with
// its credentials hidden (see redactedURL), whether it parses or not.
func RedactURL(raw string) string { return redactedURL(raw) }

// redactedURL hides credentials in a URL so it can go into errors and logs:
// all userinfo of an http(s) URL (a token may be the user name), the
// password of an ssh one. A URL that does not parse is redacted all the same.
func redactedURL(raw string) string {
	if strings.Contains(raw, "://") {
		if u, err := url.Parse(raw); err == nil {
			switch {
			case u.User == nil:
				return raw
			case u.Scheme == "ssh":
				return u.Redacted()
			}
			u.User = url.User("xxxxx")
			return u.String()
		}
	}
	at := strings.LastIndex(raw, "@")
	start, ssh := 0, true
	if i := strings.Index(raw, "://"); i >= 0 && i < at {
		start, ssh = i+3, strings.HasPrefix(raw, "ssh://")
	} else if slash := strings.IndexByte(raw, '/'); slash >= 0 && slash < at {
		// scp-like: the user holds no slash.
		at = strings.LastIndex(raw[:slash], "@")
	}
	if at < 0 {
		return raw
	}
	if !ssh {
		return raw[:start] + "xxxxx" + raw[at:]
	}
	user, _, hasPassword := strings.Cut(raw[start:at], ":")
	if !hasPassword {
		return raw
	}
	return raw[:start] + user + ":xxxxx" + raw[at:]
}
