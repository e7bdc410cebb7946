package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// up starts `landscape serve` in the background and waits until it is ready. It reports
// whether it started one (false when a landscape already ran).
func up(ctx context.Context, cfg *config) (bool, error) {
	self, err := os.Executable()
	if err != nil {
		return false, err
	}
	if st, err := readState(cfg.dir); err != nil {
		return false, err
	} else if st != nil && alive(st.PID, self) {
		fmt.Printf("landscape is already up\n")
		printInfo(cfg, st)
		return false, nil
	}
	// Whatever a crashed landscape left behind holds etcd's data directory.
	if err := down(cfg); err != nil {
		return false, err
	}
	for _, b := range []string{"kube-apiserver", "etcd", "kubectl", "gardener-apiserver"} {
		if _, err := os.Stat(filepath.Join(cfg.bin, b)); err != nil {
			return false, fmt.Errorf("%s not found in %s: run `make landscape-bin`", b, cfg.bin)
		}
	}
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return false, err
	}
	logFile, err := os.OpenFile(logPath(cfg.dir), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return false, err
	}
	defer logFile.Close()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return false, err
	}
	defer devNull.Close()

	cmd := exec.Command(self, "serve", "-dir", cfg.dir, "-bin", cfg.bin, "-delay", cfg.delay.String(),
		fmt.Sprintf("-maintenance-windows=%t", cfg.windows))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devNull, logFile, logFile
	// Its own session: a Ctrl-C in this terminal is not meant for it; `down` stops it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return false, fmt.Errorf("start landscape serve: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	fmt.Printf("starting the landscape (log: %s)\n", logPath(cfg.dir))
	deadline := time.NewTimer(3 * time.Minute)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return false, fmt.Errorf("landscape serve exited (%v):\n%s", err, tail(logPath(cfg.dir), 20)) //nolint:errorlint // nil when it exited 0, which %w would print as %!w(<nil>)
		case <-deadline.C:
			_ = down(cfg)
			return false, fmt.Errorf("landscape not ready after 3m:\n%s", tail(logPath(cfg.dir), 20))
		case <-ctx.Done():
			_ = down(cfg)
			return false, ctx.Err()
		case <-tick.C:
			st, err := readState(cfg.dir)
			if err != nil || st == nil || st.PID != cmd.Process.Pid {
				continue
			}
			printInfo(cfg, st)
			return true, nil
		}
	}
}

func printInfo(cfg *config, st *state) {
	kubectl := filepath.Join(cfg.bin, "kubectl")
	fmt.Printf(`
  API server   %s
  kubeconfig   %s
  fleet repo   %s
  logs         %s

Use it:
  export KUBECONFIG=%s
  %s get shoots -A
  git clone %s
(kubectl apply needs --validate=false for Gardener's kinds: gardener-apiserver's
aggregated OpenAPI does not answer.)

Stop it with: make landscape-down
`, st.APIServer, st.Kubeconfig, st.GitURL, logPath(cfg.dir), st.Kubeconfig, kubectl, st.GitURL)
}

// down stops a running landscape and anything a crashed one left running.
func down(cfg *config) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	stopped := false
	for _, pid := range readPIDs(pidPath(cfg.dir)) {
		if !alive(pid, self) {
			continue
		}
		stopped = true
		if err := terminate(pid, time.Minute, self); err != nil {
			return err
		}
	}
	// The servers outlive a killed parent; stop them by their recorded pids.
	bins := []string{filepath.Join(cfg.bin, "etcd"), filepath.Join(cfg.bin, "kube-apiserver"), filepath.Join(cfg.bin, "gardener-apiserver")}
	// In reverse start order, gardener-apiserver and kube-apiserver before etcd: without
	// etcd the API servers take long to shut down.
	pids := readPIDs(childrenPath(cfg.dir))
	slices.Reverse(pids)
	for _, pid := range pids {
		if alive(pid, bins...) {
			stopped = true
			if err := terminate(pid, 30*time.Second, bins...); err != nil {
				return err
			}
		}
	}
	for _, p := range []string{statePath(cfg.dir), pidPath(cfg.dir), childrenPath(cfg.dir)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if stopped {
		fmt.Println("landscape stopped")
	}
	return nil
}

// terminate sends SIGTERM, waits up to grace, then SIGKILL.
func terminate(pid int, grace time.Duration, want ...string) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop pid %d: %w", pid, err)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !alive(pid, want...) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill pid %d: %w", pid, err)
	}
	return nil
}

func status(cfg *config) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	st, err := readState(cfg.dir)
	if err != nil {
		return err
	}
	if st == nil || !alive(st.PID, self) {
		fmt.Println("landscape is down")
		return nil
	}
	fmt.Printf("landscape is up (pid %d)\n", st.PID)
	printInfo(cfg, st)
	return nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
