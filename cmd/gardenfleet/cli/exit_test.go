package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
)

// slowFleet evaluates for hours in little memory.
const slowFleet = hostile.Slow

// unreachableKubeconfig names a cluster nothing listens at.
const unreachableKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`

// TestExitCodes runs the CLI on inputs that once got the wrong exit code
// or message: 0 ok, 1 invalid/refused/failed, 2 usage or I/O.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"ok/fleet.cue":            smallFleet,
		"ok/" + smallCloudProfile: hostile.ValidCloudProfile,
		"unreadable/a.cue":        smallFleet,
		"kubeconfig.yaml":         unreachableKubeconfig,
	})
	// A dangling symlink: refused as a symlink before anything reads it.
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "unreadable/b.cue")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "valid", args: []string{"validate", "ok"}, wantCode: 0},
		{
			name:       "repo scheme",
			args:       []string{"reconcile", "--once", "--repo", "ftp://example.com/fleet.git", "--kubeconfig", "kubeconfig.yaml"},
			wantCode:   2,
			wantStderr: "error: --repo ftp://example.com/fleet.git: unsupported url scheme \"ftp\"\n",
		},
		{
			name:       "ssh repo without known hosts",
			args:       []string{"reconcile", "--once", "--repo", "git@example.com:fleet.git", "--kubeconfig", "kubeconfig.yaml"},
			wantCode:   2,
			wantStderr: "error: --repo git@example.com:fleet.git: ssh needs known_hosts\n",
		},
		{
			name:       "bad semver",
			args:       []string{"reconcile", "--once", "--repo", "ok", "--ref", "semver:>>1", "--kubeconfig", "kubeconfig.yaml"},
			wantCode:   2,
			wantStderr: "error: --ref \"semver:>>1\": invalid semver constraint \">>1\": improper constraint: \">>1\"\n",
		},
		{
			name:       "path outside the repo",
			args:       []string{"reconcile", "--once", "--repo", "ok", "--path", "../", "--kubeconfig", "kubeconfig.yaml"},
			wantCode:   2,
			wantStderr: "error: --path \"../\": want a relative path inside the repository\n",
		},
		{
			name:       "absolute path",
			args:       []string{"reconcile", "--once", "--repo", "ok", "--path", "/etc", "--kubeconfig", "kubeconfig.yaml"},
			wantCode:   2,
			wantStderr: "error: --path \"/etc\": want a relative path inside the repository\n",
		},
		{
			name:       "symlinked cue file: validate",
			args:       []string{"validate", "unreadable"},
			wantCode:   1,
			wantStderr: "fleet is invalid: 1 error:\nunreadable/b.cue: is a symlink; a fleet repo may hold only regular files and directories\n",
		},
		{
			name:       "symlinked cue file: render",
			args:       []string{"render", "unreadable"},
			wantCode:   1,
			wantStderr: "fleet is invalid: 1 error:\nunreadable/b.cue: is a symlink; a fleet repo may hold only regular files and directories\n",
		},
		{
			name:       "missing fleet directory",
			args:       []string{"plan", "missing"},
			wantCode:   2,
			wantStderr: "error: reading fleet repo: open missing: no such file or directory\n",
		},
		{
			name:       "bad eval memory",
			args:       []string{"validate", "--eval-memory", "lots", "ok"},
			wantCode:   2,
			wantStderr: "error: invalid argument \"lots\" for \"--eval-memory\" flag: want a quantity such as 2Gi or 512Mi: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n",
		},
		{
			name:       "bad timeout",
			args:       []string{"validate", "--timeout", "soon", "ok"},
			wantCode:   2,
			wantStderr: "error: invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, dir, tt.args...)
			if got.code != tt.wantCode || got.stderr != tt.wantStderr {
				t.Errorf("gardenfleet %v: exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", tt.args, got.code, got.stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

// TestRepoErrorIsRefusal: a file a fleet repo may not hold is a verdict on
// the repo (exit 1), not an I/O error.
func TestRepoErrorIsRefusal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"fleet.cue": smallFleet})
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "kustomize.yaml")); err != nil {
		t.Fatal(err)
	}
	_, err := boundedeval.Read(dir)
	var invalid *boundedeval.InvalidError
	if !errors.As(err, &invalid) {
		t.Fatalf("Read: %v, want a *bounded.InvalidError", err)
	}
	err = fleetFailure(dir, err)
	var exitErr *ExitError
	want := "fleet is invalid: 1 error:\n" + filepath.Join(dir, "kustomize.yaml") + ": is a symlink; a fleet repo may hold only regular files and directories"
	if !errors.As(err, &exitErr) || exitErr.Code != ExitFailure || err.Error() != want {
		t.Errorf("fleetFailure: %#v\nwant exit 1 with:\n%s", err, want)
	}
}

// TestBoundedPanic: a panic in a dependency is an internal error on the
// input (exit 1), not a crash (exit 2).
func TestBoundedPanic(t *testing.T) {
	t.Parallel()
	_, err := bounded(context.Background(), "fleet", "evaluating the fleet", time.Minute, func(context.Context) (int, error) {
		var m map[string]int
		m["x"]++ //nolint:staticcheck // SA5000 is the point: a real runtime panic
		return 0, nil
	})
	var exitErr *ExitError
	want := "fleet: internal error: assignment to entry in nil map"
	if !errors.As(err, &exitErr) || exitErr.Code != ExitFailure || err.Error() != want {
		t.Errorf("bounded: %v, want exit 1 with %q", err, want)
	}
}

// TestRunPanic: a panic outside bounded is caught by Run, naming the command line.
func TestRunPanic(t *testing.T) {
	t.Parallel()
	var stderr syncBuffer
	// A nil Out makes the first write panic.
	code := Run(context.Background(), []string{"upgrade-path", "--control-plane", "1.35.1", "--to", "1.35.2", "--versions", "1.35.2"}, Streams{Err: &stderr})
	want := "gardenfleet upgrade-path --control-plane 1.35.1 --to 1.35.2 --versions 1.35.2: internal error: runtime error: invalid memory address or nil pointer dereference\n"
	if code != ExitFailure || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want exit 1, %q", code, stderr.String(), want)
	}
}

// TestTimeout: every command that evaluates a fleet returns once --timeout
// passes, though CUE evaluation cannot be cancelled, and refuses the fleet.
func TestTimeout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"slow/fleet.cue": slowFleet})
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{name: "validate", args: []string{"validate", "--timeout", "1s", "slow"}, wantStderr: "slow: timed out after 1s evaluating the fleet\n"},
		{name: "render", args: []string{"render", "--timeout", "1s", "slow"}, wantStderr: "slow: timed out after 1s evaluating the fleet\n"},
		{name: "render --out", args: []string{"render", "--timeout", "1s", "--out", "out", "slow"}, wantStderr: "slow: timed out after 1s evaluating the fleet\n"},
		{name: "plan", args: []string{"plan", "--timeout", "1s", "slow"}, wantStderr: "slow: timed out after 1s planning the fleet\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCLI(t, dir, tt.args...)
			if got.code != ExitFailure || got.stderr != tt.wantStderr {
				t.Errorf("gardenfleet %v: exit %d, stderr %q; want exit 1, %q", tt.args, got.code, got.stderr, tt.wantStderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("render --out wrote %s after timing out: %v", filepath.Join(dir, "out"), err)
	}
}

// TestEvalLimits: a fleet past the memory or output bound is refused with a
// clear error (exit 1), not a crash of the Go runtime, by every command that
// evaluates one.
func TestEvalLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"terabyte/fleet.cue": hostile.Terabyte,
		"gigabyte/fleet.cue": hostile.Gigabyte,
		"wide/fleet.cue":     hostile.Wide(70, 1000000),
	})
	tests := []struct {
		args       []string
		wantStderr string
	}{
		{args: []string{"validate", "terabyte"}, wantStderr: "terabyte: evaluating the fleet needed more than 2 GiB of memory\n"},
		{args: []string{"render", "terabyte"}, wantStderr: "terabyte: evaluating the fleet needed more than 2 GiB of memory\n"},
		{args: []string{"plan", "terabyte"}, wantStderr: "terabyte: evaluating the fleet needed more than 2 GiB of memory\n"},
		{args: []string{"validate", "--eval-memory", "256Mi", "gigabyte"}, wantStderr: "gigabyte: evaluating the fleet needed more than 256 MiB of memory\n"},
		{args: []string{"validate", "wide"}, wantStderr: "wide: the objects the fleet renders take more than 64 MiB\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, dir, tt.args...)
			if got.code != ExitFailure || got.stderr != tt.wantStderr || got.stdout != "" {
				t.Errorf("gardenfleet %v: exit %d, stdout %q, stderr %q; want exit 1, %q", tt.args, got.code, got.stdout, got.stderr, tt.wantStderr)
			}
		})
	}
}

// TestReconcileTimeout: reconcile --once returns once --timeout passes,
// though the fleet it fetched is still being evaluated.
func TestReconcileTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"slow/fleet.cue": slowFleet, "kubeconfig.yaml": unreachableKubeconfig})
	git := startFleetRepo(ctx, t)
	if _, err := git.PushDir(ctx, "fleet", filepath.Join(dir, "slow"), "slow"); err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, dir, "reconcile", "--once", "--repo", git.URL("fleet"), "--kubeconfig", "kubeconfig.yaml", "--timeout", "3s")
	want := git.URL("fleet") + ": timed out after 3s reconciling\n"
	if got.code != ExitFailure || got.stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 1, %q", got.code, got.stderr, want)
	}
}

// TestInterrupt: Ctrl-C stops a command at once, though the fleet is still
// being evaluated; an interrupted run is no verdict (exit 2).
func TestInterrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"slow/fleet.cue": slowFleet})
	for _, args := range [][]string{
		{"validate", "slow"},
		{"plan", "slow"},
	} {
		t.Run(args[0], func(t *testing.T) {
			t.Parallel()
			// Started with SIGINT ignored, the CLI ignores it until it
			// catches it (os/signal): repeated signals then reach it
			// whenever it gets there, without a race.
			wrap := []string{"sh", "-c", `trap "" INT; exec "$0" "$@"`}
			cmd, stdout, stderr := startCLI(t, dir, wrap, args...)
			stopSignals := make(chan struct{})
			go func() {
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stopSignals:
						return
					case <-tick.C:
						_ = cmd.Process.Signal(syscall.SIGINT)
					}
				}
			}()
			got := waitCLI(t, cmd, stdout, stderr)
			close(stopSignals)
			want := "slow: interrupted evaluating the fleet: interrupt signal received\n"
			if args[0] == "plan" {
				want = "slow: interrupted planning the fleet: interrupt signal received\n"
			}
			if got.code != ExitUsage || got.stderr != want {
				t.Errorf("gardenfleet %v: exit %d, stderr %q; want exit 2, %q", args, got.code, got.stderr, want)
			}
		})
	}
}
