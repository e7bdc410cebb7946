package reconciler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
)

// Keys of the Secret named by spec.secretRef.
const (
	SecretUsername    = "username"
	SecretPassword    = "password"
	SecretBearerToken = "bearerToken"
	SecretIdentity    = "identity"
	SecretKnownHosts  = "known_hosts"
	SecretCA          = "ca.crt"
)

// fetch brings the Fleet's Git source up to date. A failure to reach the
// remote or find the ref is transient: the last applied revision stays in
// force and the loop backs off. Options that cannot work (a bad URL, a
// signature that does not verify) are terminal until the spec or the remote
// changes.
func (e *engine) fetch(ctx context.Context, sc *scope) error {
	opts, err := e.sourceOptions(ctx, sc.fleet)
	if err != nil {
		return err
	}
	key := sourceKey(opts)
	if sc.state.src == nil || sc.state.sourceKey != key {
		src, err := source.New(opts)
		if err != nil {
			return terminal(InvalidSpecReason, fmt.Errorf("configure source: %w", err))
		}
		sc.state.src, sc.state.sourceKey = src, key
	}
	art, err := sc.state.src.Fetch(ctx)
	if err != nil {
		e.metrics.fetchFailed(sc.fleet)
		if errors.Is(err, source.ErrUnsigned) || errors.Is(err, source.ErrSignature) {
			return terminal(FetchFailedReason, err)
		}
		return transient(FetchFailedReason, err)
	}
	sc.artifact = art
	sc.fleet.Status.LastAttemptedRevision = art.Revision
	return nil
}

// sourceOptions maps the Fleet's spec and Secrets onto source.Options.
func (e *engine) sourceOptions(ctx context.Context, f *v1alpha1.Fleet) (source.Options, error) {
	opts := source.Options{
		URL:      f.Spec.URL,
		CacheDir: e.cacheDir(f),
		Timeout:  f.GetTimeout().Duration,
	}
	if ref := f.Spec.Ref; ref != nil {
		opts.Branch, opts.Tag, opts.SemVer, opts.Commit = ref.Branch, ref.Tag, ref.SemVer, ref.Commit
	}
	if ref := f.Spec.SecretRef; ref != nil {
		data, err := e.secretData(ctx, f.Namespace, ref.Name)
		if err != nil {
			return opts, err
		}
		opts.Auth = authFromSecret(data)
		opts.CABundle = data[SecretCA]
	}
	if v := f.Spec.Verify; v != nil {
		data, err := e.secretData(ctx, f.Namespace, v.SecretRef.Name)
		if err != nil {
			return opts, err
		}
		names := make([]string, 0, len(data))
		for name := range data {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			opts.VerifyKeys = append(opts.VerifyKeys, string(data[name]))
		}
	}
	return opts, nil
}

// secretData reads a Secret. A missing one is transient: it may be created
// after the Fleet.
func (e *engine) secretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	var s corev1.Secret
	if err := e.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s); err != nil {
		return nil, transient(FetchFailedReason, fmt.Errorf("get secret %s/%s: %w", namespace, name, err))
	}
	return s.Data, nil
}

// authFromSecret reads the credentials of one transport: ssh when the Secret
// has an identity, else https.
func authFromSecret(data map[string][]byte) *source.Auth {
	if key := data[SecretIdentity]; len(key) > 0 {
		return &source.Auth{
			SSHUser:       string(data[SecretUsername]),
			SSHPrivateKey: key,
			SSHPassphrase: string(data[SecretPassword]),
			KnownHosts:    data[SecretKnownHosts],
		}
	}
	a := &source.Auth{
		Username:    string(data[SecretUsername]),
		Password:    string(data[SecretPassword]),
		BearerToken: string(data[SecretBearerToken]),
	}
	if a.Username == "" && a.Password == "" && a.BearerToken == "" {
		return nil
	}
	return a
}

// sourceKey digests everything a Source is built from, so a Source is kept
// between passes and replaced when the spec or a Secret changes.
func sourceKey(opts source.Options) string {
	h := sha256.New()
	write := func(parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s", len(p), p)
		}
	}
	write(opts.URL, opts.Branch, opts.Tag, opts.SemVer, opts.Commit, filepath.Clean(opts.CacheDir), opts.Timeout.String(), string(opts.CABundle))
	if a := opts.Auth; a != nil {
		write(a.Username, a.Password, a.BearerToken, a.SSHUser, string(a.SSHPrivateKey), a.SSHPassphrase, string(a.KnownHosts))
	}
	write(opts.VerifyKeys...)
	return hex.EncodeToString(h.Sum(nil))
}
