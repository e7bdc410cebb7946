// Command benchlandscape times, side by side in one run, what it costs to have the real
// garden: hack/gardener-apiserver-bin.sh with no stamp (cold; with -cold-gocache also an
// empty Go build cache, about 12 minutes on 2 idle cores) and with its stamp (warm), the
// start and stop of hack/testenv's garden (etcd, kube-apiserver, gardener-apiserver, the
// landscape's objects, the simulator), and `make run` on a fresh state directory until
// the example Fleet is Ready, then its Ctrl-C until everything stopped.
//
//	go run ./hack/benchlandscape [-runs 3] [-cold-gocache]
//
// It is development tooling; it drives the scripts and the Makefile as a developer would.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

func main() {
	runs := flag.Int("runs", 3, "runs of each warm measurement (the median is reported)")
	coldGoCache := flag.Bool("cold-gocache", false, "build gardener-apiserver cold also with an empty Go build cache (slow)")
	flag.Parse()
	if err := run(context.Background(), *runs, *coldGoCache); err != nil {
		fmt.Fprintf(os.Stderr, "benchlandscape: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, runs int, coldGoCache bool) error {
	root, err := testenv.RepoRoot()
	if err != nil {
		return err
	}
	script := filepath.Join(root, "hack", "gardener-apiserver-bin.sh")
	var rows [][2]string
	add := func(what string, d time.Duration) {
		rows = append(rows, [2]string{what, d.Round(10 * time.Millisecond).String()})
		fmt.Fprintf(os.Stderr, "%s: %s\n", what, d.Round(10*time.Millisecond))
	}

	// Cold: no binary and no stamp in a fresh directory.
	cold, err := timeScript(ctx, script, map[string]string{}, true)
	if err != nil {
		return err
	}
	add("gardener-apiserver-bin.sh, no stamp (Go build cache warm)", cold)
	if coldGoCache {
		d, err := timeScript(ctx, script, map[string]string{"GOCACHE": ""}, true)
		if err != nil {
			return err
		}
		add("gardener-apiserver-bin.sh, no stamp, empty Go build cache", d)
	}
	var warm []time.Duration
	for range runs {
		d, err := timeScript(ctx, script, nil, false)
		if err != nil {
			return err
		}
		warm = append(warm, d)
	}
	add(fmt.Sprintf("gardener-apiserver-bin.sh, stamp matches (median of %d)", runs), median(warm))

	var starts, stops []time.Duration
	for range runs {
		start := time.Now()
		e, err := testenv.Start(ctx, testenv.Options{})
		if err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
		starts = append(starts, time.Since(start))
		start = time.Now()
		if err := e.Stop(); err != nil {
			return fmt.Errorf("testenv stop: %w", err)
		}
		stops = append(stops, time.Since(start))
	}
	add(fmt.Sprintf("testenv.Start with gardener-apiserver and the simulator (median of %d)", runs), median(starts))
	add(fmt.Sprintf("testenv Stop (median of %d)", runs), median(stops))

	ready, stopped, err := timeMakeRun(ctx, root)
	if err != nil {
		return err
	}
	add("make run, fresh state, until the example Fleet is Ready", ready)
	add("make run, Ctrl-C until everything stopped", stopped)

	fmt.Println("| measurement | time |\n| --- | --- |")
	for _, r := range rows {
		fmt.Printf("| %s | %s |\n", r[0], r[1])
	}
	return nil
}

// timeScript runs the build script; fresh points it at an empty output directory (and an
// empty GOCACHE when env asks for one).
func timeScript(ctx context.Context, script string, env map[string]string, fresh bool) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, script)
	cmd.Env = os.Environ()
	if fresh {
		dir, err := os.MkdirTemp("", "benchlandscape-bin-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		cmd.Env = append(cmd.Env, "LANDSCAPE_BIN_DIR="+dir)
		if _, ok := env["GOCACHE"]; ok {
			// A build cache of its own, removed with dir; the shared one stays.
			cmd.Env = append(cmd.Env, "GOCACHE="+filepath.Join(dir, "gocache"))
		}
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s: %w", script, err)
	}
	return time.Since(start), nil
}

// timeMakeRun runs `make run` with a fresh state directory until it prints that the Fleet
// is Ready, then interrupts it as Ctrl-C would and waits until it exited.
func timeMakeRun(ctx context.Context, root string) (ready, stopped time.Duration, retErr error) {
	dir, err := os.MkdirTemp("", "benchlandscape-run-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	// The fleet as it is, at the delay its figures were taken with: no
	// upgrade demonstration before Ready.
	cmd := exec.CommandContext(ctx, "make", "run", "LANDSCAPE_DIR="+dir, "RUN_DELAY=3s", "RUN_UPGRADE_FROM=")
	cmd.Dir = root
	// Its own process group, so the interrupt reaches make and everything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("make run: %w", err)
	}
	found := make(chan bool, 1)
	go func() {
		s := bufio.NewScanner(out)
		seen := false
		for s.Scan() {
			fmt.Fprintln(os.Stderr, s.Text())
			if !seen && strings.Contains(s.Text(), "Fleet example Ready=True") {
				seen = true
				found <- true
			}
		}
		if !seen {
			found <- false
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	ok := <-found
	ready = time.Since(start)
	start = time.Now()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	waitErr := cmd.Wait()
	stopped = time.Since(start)
	if !ok {
		return 0, 0, fmt.Errorf("make run ended before the Fleet was Ready: %v", waitErr) //nolint:errorlint // nil when it exited 0, which %w would print as %!w(<nil>)
	}
	var exit *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exit) {
		return 0, 0, fmt.Errorf("make run: %w", waitErr)
	}
	return ready, stopped, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
