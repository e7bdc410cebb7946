// Package browser_test drives the dashboard in headless Chromium against a
// real API server: the Fleet statuses it shows are read from the cache of a
// controller-runtime manager, as in `gardenfleet serve`.
package browser_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, testenv.Options{WithoutSimulator: true}))
}

var (
	crdOnce sync.Once
	crdErr  error
)

// requireEnv returns the environment with the Fleet CRD as shipped, or skips
// t when there is none outside CI.
func requireEnv(t *testing.T) *testenv.Env {
	t.Helper()
	e := testenv.Require(t, env)
	crdOnce.Do(func() {
		if crdErr = v1alpha1.AddToScheme(e.Scheme); crdErr != nil {
			return
		}
		_, crdErr = envtest.InstallCRDs(e.Config, envtest.CRDInstallOptions{
			Paths:              []string{filepath.Join("..", "..", "config", "crd", "bases")},
			ErrorIfPathMissing: true, MaxTime: time.Minute,
		})
	})
	if crdErr != nil {
		t.Fatalf("install the Fleet CRD: %v", crdErr)
	}
	return e
}

// chromium finds Debian's Chromium; outside CI a machine without it skips
// the browser tests, under CI (where `make test` installs it) it fails them.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found on PATH: `make test` installs it under CI (apt-get install chromium)")
	}
	t.Skip("chromium not found on PATH: browser tests skipped (apt-get install -y chromium runs them)")
	return ""
}

// artifacts is where screenshots go: $GARDENFLEET_TEST_ARTIFACTS when set
// (CI keeps it), else the test's temporary directory.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GARDENFLEET_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
