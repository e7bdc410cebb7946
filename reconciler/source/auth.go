package source

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/skeema/knownhosts"
)

// newAuth turns validated options into a go-git auth method; nil means anonymous.
func newAuth(opts Options) (transport.AuthMethod, error) {
	a := opts.Auth
	if a == nil {
		return nil, nil
	}
	switch {
	case a.BearerToken != "":
		return &githttp.TokenAuth{Token: a.BearerToken}, nil
	case a.Username != "" || a.Password != "":
		user := a.Username
		if user == "" {
			// A token as password needs some user name; hosts ignore which.
			user = "git"
		}
		return &githttp.BasicAuth{Username: user, Password: a.Password}, nil
	case len(a.SSHPrivateKey) > 0:
		return newSSHAuth(opts)
	}
	return nil, nil
}

func newSSHAuth(opts Options) (transport.AuthMethod, error) {
	a := opts.Auth
	ep, err := transport.NewEndpoint(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("parse ssh url: %w", err)
	}
	user := a.SSHUser
	if user == "" {
		user = ep.User
	}
	if user == "" {
		user = "git"
	}
	keys, err := gitssh.NewPublicKeys(user, a.SSHPrivateKey, a.SSHPassphrase)
	if err != nil {
		return nil, fmt.Errorf("parse ssh private key: %w", err)
	}

	// knownhosts only reads files, so the given content goes into the cache.
	if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("create cache dir: %w", err)
	}
	khPath := filepath.Join(opts.CacheDir, "known_hosts")
	if err := os.WriteFile(khPath, a.KnownHosts, 0o600); err != nil {
		return nil, fmt.Errorf("write known_hosts: %w", err)
	}
	db, err := knownhosts.NewDB(khPath)
	if err != nil {
		return nil, fmt.Errorf("parse known_hosts: %w", err)
	}
	port := ep.Port
	if port == 0 {
		port = 22
	}
	keys.HostKeyCallback = db.HostKeyCallback()
	// With a custom callback go-git leaves algorithm negotiation to us; offer
	// the algorithms of the known keys so the server presents one of them.
	keys.HostKeyAlgorithms = db.HostKeyAlgorithms(net.JoinHostPort(ep.Host, strconv.Itoa(port)))
	return keys, nil
}
