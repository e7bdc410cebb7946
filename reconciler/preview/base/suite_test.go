package base

import (
	"os"
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

// env is the garden cluster of the live tests; nil when the binaries are
// missing outside CI.
var env *testenv.Env

// The simulator plays Gardener's project controller: a Project the tests
// apply becomes Ready, so the Shoots in it can be applied.
func TestMain(m *testing.M) {
	bounded.Main() // the base is evaluated in a child: this test binary
	os.Exit(testenv.Main(m, &env, testenv.Options{}))
}

func requireEnv(t *testing.T) *testenv.Env {
	t.Helper()
	return testenv.Require(t, env)
}
