package base

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

// env is the garden cluster of the live tests; nil when the binaries are
// missing outside CI (envSkip says why).
var (
	env     *testenv.Env
	envSkip error
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	// Nothing here waits for Gardener: no simulator.
	e, err := testenv.Start(ctx, testenv.Options{WithoutSimulator: true})
	cancel()
	switch {
	case errors.Is(err, testenv.ErrNoBinaries) && os.Getenv("CI") == "":
		envSkip = err
		return m.Run()
	case err != nil:
		fmt.Fprintf(os.Stderr, "preview/base: start envtest: %v\n", err)
		return 1
	}
	env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "preview/base: stop envtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func requireEnv(t *testing.T) *testenv.Env {
	t.Helper()
	if env == nil {
		t.Skipf("envtest not available: %v (under CI, CI=1, this fails instead)", envSkip)
	}
	return env
}
