package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// gardenerAPIServerEnv names the gardener-apiserver binary, as in Gardener's own test/envtest.
const gardenerAPIServerEnv = "TEST_ASSET_GARDENER_APISERVER"

// gardenerBinary finds gardener-apiserver: the option, $TEST_ASSET_GARDENER_APISERVER, the
// assets directory, then the repository's bin/k8s (KUBEBUILDER_ASSETS may point at another
// checkout's kube-apiserver).
func gardenerBinary(path, assets string) (string, error) {
	candidates := []string{path}
	if path == "" {
		candidates = []string{os.Getenv(gardenerAPIServerEnv), filepath.Join(assets, "gardener-apiserver")}
		if root, err := RepoRoot(); err == nil {
			candidates = append(candidates, filepath.Join(root, "bin", "k8s", "gardener-apiserver"))
		}
	}
	var looked []string
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
		looked = append(looked, c)
	}
	return "", fmt.Errorf("%w (looked at %s)", ErrNoGardenerAPIServer, strings.Join(looked, ", "))
}

// ErrNoGardenerAPIServer tells that gardener-apiserver is not built yet. It is an
// ErrNoBinaries, so Main and Require skip outside CI as they do without kube-apiserver.
var ErrNoGardenerAPIServer error = noBinaries("gardener-apiserver not found: run `make landscape-bin`")

type noBinaries string

func (e noBinaries) Error() string        { return string(e) }
func (e noBinaries) Is(target error) bool { return target == ErrNoBinaries }
