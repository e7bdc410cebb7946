package cli

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestUpgradePathScripts runs testdata/upgradepath/*.txtar;
// GARDENFLEET_UPDATE=1 rewrites their expected output.
func TestUpgradePathScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/upgradepath",
		UpdateScripts: os.Getenv("GARDENFLEET_UPDATE") == "1",
	})
}
