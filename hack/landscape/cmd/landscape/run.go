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
// install the Fleet API and a Fleet following that repository, and run the gardenfleet
// daemon on it. On Ctrl-C it stops the daemon, and the landscape if it started it.
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
		return fmt.Errorf("read landscape state: %w", err)
	}

	first, upgradePending := cfg.fleet, cfg.upgradeFrom != ""
	if upgradePending {
		first = filepath.Join(cfg.dir, "fleet-before-upgrade")
		if err := olderFleet(cfg.fleet, first, cfg.upgradeFrom); err != nil {
			return err
		}
	}
	commit, err := gitserver.Push(ctx, st.GitURL, gitserver.DefaultBranch, first, "make run: "+filepath.Base(cfg.fleet))
	if err != nil {
		return err
	}
	fmt.Printf("pushed %s to %s (commit %s)\n", first, st.GitURL, commit[:12])

	kubectl := filepath.Join(cfg.bin, "kubectl")
	kenv := []string{"KUBECONFIG=" + st.Kubeconfig}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	// The Fleet API, then a Fleet that follows the landscape's Git server.
	if _, err := output(ctx, kenv, nil, kubectl, "apply", "--server-side", "--field-manager", "make-run",
		"-f", filepath.Join(root, "config", "crd", "bases")); err != nil {
		return fmt.Errorf("install the Fleet CRD: %w", err)
	}
	if _, err := output(ctx, kenv, nil, kubectl, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/fleets.gardenfleet.dev"); err != nil {
		return err
	}
	fleetObj := fmt.Sprintf(exampleFleet, st.GitURL)
	if _, err := output(ctx, kenv, []byte(fleetObj), kubectl, "apply", "--server-side", "--field-manager", "make-run", "-f", "-"); err != nil {
		return fmt.Errorf("create the Fleet: %w", err)
	}

	// The daemon itself, until Ctrl-C.
	logFile, err := os.Create(filepath.Join(cfg.dir, "gardenfleet.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	daemon := exec.Command(cfg.gardenfleet, "serve",
		"--kubeconfig", st.Kubeconfig,
		"--cache-dir", filepath.Join(cfg.dir, "gardenfleet-cache"),
		"--metrics-bind-address", "127.0.0.1:18080",
		"--health-probe-bind-address", "127.0.0.1:18081",
		"--dashboard-bind-address", "127.0.0.1:18082",
		"--gate-poll-interval", "2s")
	daemon.Stdout, daemon.Stderr = logFile, logFile
	if err := daemon.Start(); err != nil {
		return fmt.Errorf("start gardenfleet serve: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- daemon.Wait() }()
	defer func() {
		if daemon.ProcessState == nil {
			_ = daemon.Process.Signal(os.Interrupt)
			select {
			case <-exited: //nolint:errcheck // stopped as asked: how it exited does not matter
			case <-time.After(10 * time.Second):
				_ = daemon.Process.Kill()
				<-exited //nolint:errcheck // killed, as above
			}
		}
	}()

	fmt.Printf("gardenfleet serve is running (logs: %s, metrics: http://127.0.0.1:18080/metrics).\n", logFile.Name())
	fmt.Printf("Dashboard: http://127.0.0.1:18082/#/fleet/gardenfleet-system/example\n")
	fmt.Printf("The simulated gardenlet confirms each shoot operation after %s. Look at it with:\n", cfg.delay)
	fmt.Printf("  export KUBECONFIG=%s\n", st.Kubeconfig)
	fmt.Printf("  %s get fleets,shoots,topologies -A\n", kubectl)
	fmt.Printf("  %s get fleet -n gardenfleet-system example -o yaml\n", kubectl)
	if upgradePending {
		fmt.Printf("Once the Fleet is Ready, %s is pushed as it is: its shoots then upgrade (versions %s), wave by wave.\n", cfg.fleet, cfg.upgradeFrom)
	}
	fmt.Printf("Change the fleet and push it to %s to see it follow.\n\nCtrl-C stops everything.\n\n", st.GitURL)

	self, _ := os.Executable()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	last := ""
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-exited:
			return fmt.Errorf("gardenfleet serve stopped: %v\n%s", err, tail(logFile.Name(), 20)) //nolint:errorlint // nil when it exited 0, which %w would print as %!w(<nil>)
		case <-tick.C:
			if st, err := readState(cfg.dir); err != nil || st == nil || !alive(st.PID, self) {
				return fmt.Errorf("the landscape stopped:\n%s", tail(logPath(cfg.dir), 20))
			}
			// Print the Fleet's Ready condition whenever it changes.
			ready, err := output(ctx, kenv, nil, kubectl, "get", "fleet", "-n", "gardenfleet-system", "example",
				"-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].message}`)
			if err == nil && string(ready) != last && strings.TrimSpace(string(ready)) != "" {
				last = string(ready)
				fmt.Printf("%s Fleet example Ready=%s\n", time.Now().Format("15:04:05"), last)
				if shoots, err := output(ctx, kenv, nil, kubectl, "get", "shoots", "-A"); err == nil {
					fmt.Println(string(shoots))
				}
				if upgradePending && strings.HasPrefix(last, "True ") {
					upgradePending = false
					commit, err := gitserver.Push(ctx, st.GitURL, gitserver.DefaultBranch, cfg.fleet, "make run: upgrade "+filepath.Base(cfg.fleet))
					if err != nil {
						return err
					}
					fmt.Printf("%s pushed %s (commit %s): the upgrade starts\n", time.Now().Format("15:04:05"), cfg.fleet, commit[:12])
				}
			}
		}
	}
}

// exampleFleet is the Fleet that `make run` creates; %s is the Git URL.
const exampleFleet = `apiVersion: v1
kind: Namespace
metadata:
  name: gardenfleet-system
---
apiVersion: gardenfleet.dev/v1alpha1
kind: Fleet
metadata:
  name: example
  namespace: gardenfleet-system
spec:
  url: %s
  ref:
    branch: main
  interval: 30s
  prune: true
`

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

// olderFleet copies the fleet repo src to dst with each quoted version OLD
// of upgradeFrom ("OLD=NEW,...") in its .cue files written as NEW.
func olderFleet(src, dst, upgradeFrom string) error {
	var pairs []string
	for _, p := range strings.Split(upgradeFrom, ",") {
		old, repl, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || old == "" || repl == "" {
			return fmt.Errorf("-upgrade-from %q: want OLD=NEW, comma-separated", upgradeFrom)
		}
		pairs = append(pairs, `"`+old+`"`, `"`+repl+`"`)
	}
	r := strings.NewReplacer(pairs...)
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".cue") {
			data = []byte(r.Replace(string(data)))
		}
		return os.WriteFile(out, data, 0o644)
	})
}
