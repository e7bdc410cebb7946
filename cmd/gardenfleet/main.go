// Command gardenfleet reconciles Gardener and metal-stack fleets from a Git repository.
package main

import (
	"os"

	"github.com/gardenfleet/gardenfleet/cmd/gardenfleet/cli"
)

func main() {
	os.Exit(cli.Main())
}
