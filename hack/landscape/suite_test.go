package landscape_test

import (
	"os"
	"testing"

	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

var env *testenv.Env

// The garden is tested without the simulator: nothing writes to the shoots.
func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, testenv.Options{WithoutSimulator: true}))
}
