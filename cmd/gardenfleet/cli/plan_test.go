package cli

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestPlanScripts runs testdata/plan/*.txtar, each in a Git repository it
// makes itself; GARDENFLEET_UPDATE=1 rewrites their expected output.
func TestPlanScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/plan",
		UpdateScripts: os.Getenv("GARDENFLEET_UPDATE") == "1",
		Cmds:          map[string]func(*testscript.TestScript, bool, []string){"exits": cmdExits},
	})
}

// cmdExits is `exits CODE COMMAND [ARGS...]`: it runs COMMAND like exec and
// wants exactly exit code CODE, where exec only tells zero from non-zero.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: code %q: %v", args[0], err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("exits: %v", err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}
