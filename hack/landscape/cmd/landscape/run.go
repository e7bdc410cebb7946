package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gardenfleet/gardenfleet/hack/gitserver"
)

// runFleet is `make run`: bring the landscape up, push the fleet into its Git server,
// render and apply it as gardenfleet would (server-side apply, field manager gardenfleet),
// show the shoots, then wait. On Ctrl-C it stops the landscape if it started it.
func runFleet(ctx context.Context, cfg *config) (retErr error) {
	started, err := up(ctx, cfg)
	if err != nil {
		return err
	}
	if started {
		defer func() {
			fmt.Println("\nstopping the landscape")
			if err := down(cfg); err != nil && retErr == nil {
				retErr = err
			}
		}()
	} else {
		fmt.Println("the landscape was already up; it stays up when this exits")
	}
	st, err := readState(cfg.dir)
	if err != nil || st == nil {
		return fmt.Errorf("read landscape state: %v", err)
	}

	commit, err := gitserver.Push(ctx, st.GitURL, gitserver.DefaultBranch, cfg.fleet, "make run: "+filepath.Base(cfg.fleet))
	if err != nil {
		return err
	}
	fmt.Printf("pushed %s to %s (commit %s)\n", cfg.fleet, st.GitURL, commit[:12])

	// NOTE: until the gardenfleet daemon exists, render and apply once the way it will.
	rendered, err := output(ctx, nil, nil, cfg.gardenfleet, "render", cfg.fleet)
	if err != nil {
		return fmt.Errorf("render %s: %w", cfg.fleet, err)
	}
	kubectl := filepath.Join(cfg.bin, "kubectl")
	kenv := []string{"KUBECONFIG=" + st.Kubeconfig}
	// Shoots land in project namespaces that the simulated project controller creates a
	// moment after their Project: apply again until they exist.
	var applied []byte
	for attempt := 1; ; attempt++ {
		applied, err = output(ctx, kenv, rendered, kubectl, "apply", "--server-side", "--field-manager", "gardenfleet", "-f", "-")
		if err == nil {
			break
		}
		if attempt == 30 || !strings.Contains(err.Error(), "not found") {
			return fmt.Errorf("apply the rendered fleet: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	fmt.Print(string(applied))

	shoots, err := output(ctx, kenv, nil, kubectl, "get", "shoots", "-A")
	if err != nil {
		return err
	}
	fmt.Printf("\n%s\n", shoots)
	fmt.Printf("The simulated gardenlet now reconciles the shoots (%s per operation). Watch them:\n", cfg.delay)
	fmt.Printf("  export KUBECONFIG=%s\n  %s get shoots -A -w\n\nCtrl-C stops everything.\n", st.Kubeconfig, kubectl)

	self, _ := os.Executable()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if st, err := readState(cfg.dir); err != nil || st == nil || !alive(st.PID, self) {
				return fmt.Errorf("the landscape stopped:\n%s", tail(logPath(cfg.dir), 20))
			}
		}
	}
}

func output(ctx context.Context, env []string, stdin []byte, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
