package source

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
)

// sshGitServer runs git-upload-pack for repositories below root for clients
// presenting clientKey, the way an ssh git host does.
type sshGitServer struct {
	addr       string
	hostKey    ssh.PublicKey
	clientPEM  []byte
	knownHosts []byte
}

func newSSHGitServer(t *testing.T, root string) *sshGitServer {
	t.Helper()
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	clientPub, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	sshClientPub, err := ssh.NewPublicKey(clientPub)
	if err != nil {
		t.Fatal(err)
	}

	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if string(k.Marshal()) == string(sshClientPub.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hostSigner)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveSSHConn(c, cfg, root)
		}
	}()

	g := &sshGitServer{addr: l.Addr().String(), hostKey: hostSigner.PublicKey(), clientPEM: pem.EncodeToMemory(block)}
	g.knownHosts = []byte(knownhosts.Line([]string{g.addr}, g.hostKey) + "\n")
	return g
}

func serveSSHConn(c net.Conn, cfg *ssh.ServerConfig, root string) {
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		_ = c.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go serveSession(ch, chReqs, root)
	}
}

func serveSession(ch ssh.Channel, reqs <-chan *ssh.Request, root string) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" || len(req.Payload) < 4 {
			_ = req.Reply(req.Type == "env", nil)
			continue
		}
		// The payload is the command line, e.g. git-upload-pack '/fleet.git'.
		line := string(req.Payload[4:])
		svc, path, ok := strings.Cut(line, " ")
		if !ok || svc != "git-upload-pack" {
			_ = req.Reply(false, nil)
			return
		}
		_ = req.Reply(true, nil)
		cmd := exec.Command("git-upload-pack", filepath.Join(root, strings.Trim(path, "'")))
		cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
		stdin, err := cmd.StdinPipe()
		if err == nil {
			err = cmd.Start()
		}
		status := uint32(0)
		if err == nil {
			// Not waited for: the client may keep its side open.
			go func() { _, _ = io.Copy(stdin, ch); _ = stdin.Close() }()
			err = cmd.Wait()
		}
		if err != nil {
			status = 1
		}
		_, _ = ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, status))
		return
	}
}

func TestFetchSSH(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t)
	c1 := repo.commit("one", map[string]string{"fleet.cue": "a: 1\n"})
	srv := newSSHGitServer(t, filepath.Dir(repo.dir))
	url := "ssh://git@" + srv.addr + "/fleet.git"

	t.Run("known host and key", func(t *testing.T) {
		s := mustNew(t, Options{URL: url, Auth: &Auth{SSHPrivateKey: srv.clientPEM, KnownHosts: srv.knownHosts}})
		art, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := "main@sha1:" + c1; art.Revision != want {
			t.Errorf("Revision = %q, want %q", art.Revision, want)
		}
	})

	t.Run("host key not in known_hosts", func(t *testing.T) {
		otherPub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		other, err := ssh.NewPublicKey(otherPub)
		if err != nil {
			t.Fatal(err)
		}
		kh := []byte(knownhosts.Line([]string{srv.addr}, other) + "\n")
		s := mustNew(t, Options{URL: url, Auth: &Auth{SSHPrivateKey: srv.clientPEM, KnownHosts: kh}})
		_, err = s.Fetch(context.Background())
		if !knownhosts.IsHostKeyChanged(err) {
			t.Fatalf("Fetch() error = %v, want a changed host key", err)
		}
		var se *Error
		if !errors.As(err, &se) || se.Op != "list refs" {
			t.Errorf("Fetch() error %#v, want *Error with Op \"list refs\"", err)
		}
	})
}
