package source

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	_, pub := newKey(t, "valid")
	kh := []byte("example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
	key := []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n...")

	tests := []struct {
		name    string
		opts    Options
		want    Options // compared on the public fields after defaulting
		wantIs  error
		wantErr string
	}{
		// defaults
		{
			name: "branch defaults to main, timeout filled",
			opts: Options{URL: "https://git.example.com/fleet.git", CacheDir: "/c"},
			want: Options{URL: "https://git.example.com/fleet.git", CacheDir: "/c", Branch: "main",
				Timeout: DefaultTimeout},
		},
		{
			name: "explicit values kept",
			opts: Options{URL: "git@github.com:org/fleet.git", CacheDir: "/c", Tag: "v1",
				Timeout: time.Second,
				Auth:    &Auth{SSHPrivateKey: key, KnownHosts: kh}, VerifyKeys: []string{pub}},
			want: Options{URL: "git@github.com:org/fleet.git", CacheDir: "/c", Tag: "v1",
				Timeout: time.Second,
				Auth:    &Auth{SSHPrivateKey: key, KnownHosts: kh}, VerifyKeys: []string{pub}},
		},
		{
			name: "file and git urls",
			opts: Options{URL: "git://git.example.com/fleet", CacheDir: "/c", Commit: "0123456789abcdef0123456789abcdef01234567"},
			want: Options{URL: "git://git.example.com/fleet", CacheDir: "/c", Commit: "0123456789abcdef0123456789abcdef01234567",
				Timeout: DefaultTimeout},
		},

		{
			name: "credentials in an https url move into auth",
			opts: Options{URL: "https://user:s3cret@git.example.com/fleet.git", CacheDir: "/c", CABundle: []byte("ca")},
			want: Options{URL: "https://git.example.com/fleet.git", CacheDir: "/c", Branch: "main", Timeout: DefaultTimeout,
				CABundle: []byte("ca"), Auth: &Auth{Username: "user", Password: "s3cret"}},
		},
		{
			name: "a token as user name in an https url",
			opts: Options{URL: "https://t0ken@git.example.com/fleet.git", CacheDir: "/c"},
			want: Options{URL: "https://git.example.com/fleet.git", CacheDir: "/c", Branch: "main", Timeout: DefaultTimeout,
				Auth: &Auth{Username: "t0ken"}},
		},
		{
			name: "ssh user stays in the url",
			opts: Options{URL: "ssh://git@h/r", CacheDir: "/c", Auth: &Auth{SSHPrivateKey: key, KnownHosts: kh}},
			want: Options{URL: "ssh://git@h/r", CacheDir: "/c", Branch: "main", Timeout: DefaultTimeout,
				Auth: &Auth{SSHPrivateKey: key, KnownHosts: kh}},
		},

		// validation errors
		{name: "no url", opts: Options{CacheDir: "/c"}, wantIs: ErrNoURL, wantErr: "no repository url"},
		{
			name:   "malformed url with credentials",
			opts:   Options{URL: "https://user:s3cret@git.example.com:port/fleet.git", CacheDir: "/c"},
			wantIs: ErrInvalidURL, wantErr: "invalid repository url https://xxxxx@git.example.com:port/fleet.git",
		},
		{
			name:   "unescaped slash in the password",
			opts:   Options{URL: "https://user:s3/cret@git.example.com/fleet.git", CacheDir: "/c"},
			wantIs: ErrInvalidURL, wantErr: "invalid repository url https://xxxxx@git.example.com/fleet.git",
		},
		{
			name:   "bad escape in the password",
			opts:   Options{URL: "https://user:s3%zzcret@git.example.com/fleet.git", CacheDir: "/c"},
			wantIs: ErrInvalidURL, wantErr: "invalid repository url https://xxxxx@git.example.com/fleet.git",
		},
		{
			name:   "malformed url without credentials says why",
			opts:   Options{URL: "https://git.example.com:port/fleet.git", CacheDir: "/c"},
			wantIs: ErrInvalidURL, wantErr: `invalid repository url https://git.example.com:port/fleet.git: invalid port ":port" after host`,
		},
		{
			name:   "credentials in the url and in auth",
			opts:   Options{URL: "https://user:s3cret@h/r", CacheDir: "/c", Auth: &Auth{BearerToken: "t"}},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: credentials both in the url and in auth",
		},
		{
			name:   "password in an ssh url",
			opts:   Options{URL: "ssh://git:s3cret@h/r", CacheDir: "/c", Auth: &Auth{SSHPrivateKey: key, KnownHosts: kh}},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: a password in an ssh url; ssh authenticates with a key",
		},
		{
			name:   "password in an scp-like url",
			opts:   Options{URL: "git:s3cret@h:org/r.git", CacheDir: "/c", Auth: &Auth{SSHPrivateKey: key, KnownHosts: kh}},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: a password in an ssh url; ssh authenticates with a key",
		},
		{
			name:   "credentials in a git url",
			opts:   Options{URL: "git://user:s3cret@h/r", CacheDir: "/c"},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: credentials in a git url",
		},
		{
			name: "unsupported scheme", opts: Options{URL: "ftp://x/y", CacheDir: "/c"},
			wantIs: ErrUnsupportedScheme, wantErr: `unsupported url scheme "ftp"`,
		},
		{
			name: "bare path is not a url", opts: Options{URL: "/srv/fleet", CacheDir: "/c"},
			wantIs: ErrUnsupportedScheme, wantErr: `unsupported url scheme ""`,
		},
		{name: "no cache dir", opts: Options{URL: "file:///r"}, wantIs: ErrNoCacheDir, wantErr: "no cache directory"},
		{
			name: "two refs", opts: Options{URL: "file:///r", CacheDir: "/c", Branch: "main", Tag: "v1"},
			wantIs: ErrMultipleRefs, wantErr: "more than one of branch, tag, semver and commit set",
		},
		{
			name: "short commit", opts: Options{URL: "file:///r", CacheDir: "/c", Commit: "abc123"},
			wantIs: ErrInvalidCommit, wantErr: `commit is not a 40 character hex sha-1: "abc123"`,
		},
		{
			name: "bad semver", opts: Options{URL: "file:///r", CacheDir: "/c", SemVer: "banana"},
			wantIs: ErrInvalidSemVer, wantErr: `invalid semver constraint "banana": improper constraint: "banana"`,
		},
		{
			name: "ssh without known_hosts", opts: Options{URL: "ssh://git@h/r", CacheDir: "/c"},
			wantIs: ErrNoKnownHosts, wantErr: "ssh needs known_hosts",
		},
		{
			name:   "ssh without key",
			opts:   Options{URL: "ssh://git@h/r", CacheDir: "/c", Auth: &Auth{KnownHosts: kh}},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: ssh url without a private key",
		},
		{
			name:   "ssh key for https",
			opts:   Options{URL: "https://h/r", CacheDir: "/c", Auth: &Auth{SSHPrivateKey: key}},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: ssh credentials for a https url",
		},
		{
			name:   "basic and token",
			opts:   Options{URL: "https://h/r", CacheDir: "/c", Auth: &Auth{Username: "u", Password: "p", BearerToken: "t"}},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: both basic auth and a bearer token",
		},
		{
			name:   "token for ssh",
			opts:   Options{URL: "git@h:r", CacheDir: "/c", Auth: &Auth{BearerToken: "t", KnownHosts: kh}},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: basic auth or token for an ssh url",
		},
		{
			name:   "credentials for file",
			opts:   Options{URL: "file:///r", CacheDir: "/c", Auth: &Auth{Password: "p"}},
			wantIs: ErrAuthMismatch, wantErr: "credentials do not fit the url: credentials for a file url",
		},
		{
			name:   "verification key not armored",
			opts:   Options{URL: "file:///r", CacheDir: "/c", VerifyKeys: []string{pub, "not a key"}},
			wantIs: ErrInvalidKey, wantErr: "invalid openpgp public key: key 1: openpgp: invalid argument: no armored data found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := tt.opts
			err := o.Validate()
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Validate() = nil, want %q", tt.wantErr)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("Validate() error = %q, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3") {
					t.Errorf("Validate() error %q shows the password", err)
				}
				if !errors.Is(err, tt.wantIs) {
					t.Errorf("Validate() error %v is not %v", err, tt.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			o.constraint = nil
			if diff := cmp.Diff(tt.want, o, cmp.AllowUnexported(Options{})); diff != "" {
				t.Errorf("Validate() options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRedactedURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://user:s3cret@git.example.com/fleet.git", "https://xxxxx@git.example.com/fleet.git"},
		{"https://t0ken@git.example.com/fleet.git", "https://xxxxx@git.example.com/fleet.git"},
		{"https://git.example.com/fleet.git", "https://git.example.com/fleet.git"},
		{"https://git.example.com/org/a@b.git", "https://git.example.com/org/a@b.git"},
		{"ssh://git:s3cret@h/r", "ssh://git:xxxxx@h/r"},
		{"ssh://git@h/r", "ssh://git@h/r"},
		{"git@github.com:org/fleet.git", "git@github.com:org/fleet.git"},
		{"git:s3cret@github.com:org/fleet.git", "git:xxxxx@github.com:org/fleet.git"},
		{"github.com:org/a@b.git", "github.com:org/a@b.git"},
		// malformed: net/url cannot say where the userinfo ends
		{"https://user:s3cret@git.example.com:port/fleet.git", "https://xxxxx@git.example.com:port/fleet.git"},
		{"https://user:s3/cr@et@git.example.com/fleet.git", "https://xxxxx@git.example.com/fleet.git"},
		{"ssh://git:s3/cret@h:port/r", "ssh://git:xxxxx@h:port/r"},
	}
	for _, tt := range tests {
		if got := redactedURL(tt.in); got != tt.want {
			t.Errorf("redactedURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
