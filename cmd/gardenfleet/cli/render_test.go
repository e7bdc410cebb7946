package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestRenderScripts runs testdata/render/*.txtar; GARDENFLEET_UPDATE=1
// rewrites their expected output.
func TestRenderScripts(t *testing.T) {
	t.Parallel()
	example, err := filepath.Abs("../../../examples/fleet")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/render",
		UpdateScripts: os.Getenv("GARDENFLEET_UPDATE") == "1",
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLE", example)
			return nil
		},
	})
}
