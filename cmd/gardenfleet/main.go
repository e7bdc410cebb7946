// Command gardenfleet reconciles Gardener and metal-stack fleets from a Git repository.
package main

import (
	"os"

	"github.com/gardenfleet/gardenfleet/cmd/gardenfleet/cli"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
)

func main() {
	// Evaluating a fleet runs this binary again as a bounded child.
	bounded.Main()
	os.Exit(cli.Main())
}
