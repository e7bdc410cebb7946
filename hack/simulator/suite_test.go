package simulator_test

import (
	"os"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/gardenfleet/gardenfleet/hack/simulator"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

var (
	env *testenv.Env
	// clock is the simulator's time. Tests only step it forward and run one at a time.
	clock = clocktesting.NewFakeClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
)

// delay is an operation's length on the fake clock; it passes only when a test steps it.
const delay = 10 * time.Minute

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, testenv.Options{Simulator: simulator.Options{
		Delay:  delay,
		Clock:  clock,
		Resync: 20 * time.Millisecond,
		// No MaintenanceWindows: Gardener's API server gives every shoot a random window
		// with autoUpdate on, so a test stepping the clock over a day would see patch
		// versions move. Maintenance tests turn it on.
	}}))
}
