package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
)

// envMain makes the test binary run the command line (Main) instead of the
// tests: runCLI runs the real CLI in a process of its own, for its signals,
// exit codes and panics.
const envMain = "GARDENFLEET_TEST_MAIN"

// TestMain lets testscript files run `gardenfleet`, and runCLI the CLI, as
// the test binary.
func TestMain(m *testing.M) {
	boundedeval.Main() // the CLI evaluates fleets in a child: this binary
	if os.Getenv(envMain) == "1" {
		os.Exit(Main())
	}
	testscript.Main(m, map[string]func(){
		"gardenfleet": func() { os.Exit(Main()) },
	})
}

// cliRun is one run of the CLI by runCLI.
type cliRun struct {
	code           int
	stdout, stderr string
}

// startCLI starts gardenfleet with args in dir, as a process of its own.
// With wrap, the command line is prefixed with it (as `sh -c ...`).
func startCLI(t *testing.T, dir string, wrap []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	argv := append(append(slices.Clone(wrap), os.Args[0]), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envMain+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// waitCLI waits for a command of startCLI, killing it after hangGuard: a
// guard against a hang, not a timing assertion.
func waitCLI(t *testing.T, cmd *exec.Cmd, stdout, stderr *bytes.Buffer) cliRun {
	t.Helper()
	const hangGuard = time.Minute
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(hangGuard):
		_ = cmd.Process.Kill()
		<-done //nolint:errcheck // killed: its error says only that
		t.Fatalf("gardenfleet %v still running after %s; stderr:\n%s", cmd.Args[1:], hangGuard, stderr)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatal(err)
	}
	return cliRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// runCLI runs gardenfleet with args in dir and returns what it did.
func runCLI(t *testing.T, dir string, args ...string) cliRun {
	t.Helper()
	cmd, stdout, stderr := startCLI(t, dir, nil, args...)
	return waitCLI(t, cmd, stdout, stderr)
}

// writeTree writes files (slash-separated path -> content) below dir.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// smallFleet is a valid fleet of one workerless shoot.
const smallFleet = hostile.Valid

// smallCloudProfile is where smallFleet's CloudProfile goes, so Gardener's
// checks run in full and say nothing.
const smallCloudProfile = "cloudprofiles/local.yaml"
