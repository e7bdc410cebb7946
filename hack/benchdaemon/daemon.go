package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// daemon is a running `gardenfleet serve`.
type daemon struct {
	cmd         *exec.Cmd
	log         *os.File
	started     time.Time
	metricsURL  string
	readyzURL   string
	exited      chan struct{}
	exitErr     error // set when exited is closed
	stopTimeout time.Duration
}

// startDaemon starts `gardenfleet serve` on the kubeconfig for the shard's
// Fleet, as deployed (config/manager: leader election, the dashboard), with
// a Lease of its own, metrics, probes and dashboard on free loopback ports
// and GODEBUG=gctrace=1, its output in logPath.
func startDaemon(o options, s *shard, kubeconfig, cacheDir, logPath string) (*daemon, error) {
	var addrs [3]string // metrics, probes, dashboard
	for i := range addrs {
		var err error
		if addrs[i], err = freeAddr(); err != nil {
			return nil, err
		}
	}
	metricsAddr, probeAddr := addrs[0], addrs[1]
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create the daemon's log: %w", err)
	}
	cmd := exec.Command(o.gardenfleet, "serve",
		"--kubeconfig", kubeconfig,
		"--cache-dir", cacheDir,
		"--metrics-bind-address", metricsAddr,
		"--health-probe-bind-address", probeAddr,
		"--dashboard-bind-address", addrs[2],
		"--fleet-selector", s.selector(),
		"--leader-elect",
		"--leader-election-namespace", fleetNamespace,
		"--leader-election-id", "gardenfleet-"+s.key.Name,
		"--gate-poll-interval", o.gatePoll.String())
	cmd.Env = append(append(os.Environ(), "GODEBUG=gctrace=1"), o.env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = killWithParent()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start gardenfleet serve: %w", err)
	}
	d := &daemon{
		cmd:         cmd,
		log:         logFile,
		started:     time.Now(),
		metricsURL:  "http://" + metricsAddr + "/metrics",
		readyzURL:   "http://" + probeAddr + "/readyz",
		exited:      make(chan struct{}),
		stopTimeout: 15 * time.Second,
	}
	go func() {
		d.exitErr = cmd.Wait()
		close(d.exited)
	}()
	logf("started gardenfleet serve --fleet-selector %s, pid %d, metrics at %s", s.selector(), cmd.Process.Pid, d.metricsURL)
	return d, nil
}

// stop interrupts the daemon, kills it if it has not ended after
// stopTimeout, and closes its log.
func (d *daemon) stop() error {
	defer d.log.Close()
	select {
	case <-d.exited:
		return fmt.Errorf("gardenfleet serve ended before it was stopped: %v", d.exitErr) //nolint:errorlint // nil when it exited 0, which %w would print as %!w(<nil>)
	default:
	}
	if err := d.cmd.Process.Signal(os.Interrupt); err != nil {
		return fmt.Errorf("interrupt gardenfleet serve: %w", err)
	}
	select {
	case <-d.exited:
		var exit *exec.ExitError
		if d.exitErr != nil && !errors.As(d.exitErr, &exit) {
			return fmt.Errorf("wait for gardenfleet serve: %w", d.exitErr)
		}
		return nil
	case <-time.After(d.stopTimeout):
		_ = d.cmd.Process.Kill()
		<-d.exited
		return fmt.Errorf("gardenfleet serve did not stop within %s of an interrupt; killed", d.stopTimeout)
	}
}

// memory reads the daemon's VmRSS and VmHWM.
func (d *daemon) memory() (procMemory, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(d.cmd.Process.Pid) + "/status")
	if err != nil {
		return procMemory{}, fmt.Errorf("read the daemon's memory: %w", err)
	}
	defer f.Close()
	return parseProcStatus(f)
}

// metrics fetches the daemon's /metrics.
func (d *daemon) metrics(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.metricsURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", d.metricsURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", d.metricsURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("get %s: %s", d.metricsURL, resp.Status)
	}
	return string(b), nil
}

// ready reports whether the daemon's /readyz answers 200.
func (d *daemon) ready(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.readyzURL, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
