package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/hack/benchfleet"
	"github.com/gardenfleet/gardenfleet/render"
)

// options are the driver's flags.
type options struct {
	shoots       int
	shards       int
	assets       string // kube-apiserver and etcd for testenv
	gardenfleet  string // the daemon binary
	interval     time.Duration
	passes       int
	delay        time.Duration
	gatePoll     time.Duration
	readyTimeout time.Duration
	timeout      time.Duration
	env          []string
	logFile      string
	verbose      bool
	profile      string
	profileDir   string
	profileGOGC  int
}

// envFlag collects repeated -env KEY=VALUE flags.
type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, " ") }

func (e *envFlag) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

func main() {
	bounded.Main() // the reconciler evaluates each revision in a child: this binary
	var o options
	var env envFlag
	flag.IntVar(&o.shoots, "shoots", 10000, "shoots in the generated fleet")
	flag.IntVar(&o.shards, "shards", 1, "split the fleet across this many Fleets, each reconciled by a daemon of its own (--fleet-selector shard=<i>)")
	flag.StringVar(&o.assets, "assets", "bin/k8s", "directory with kube-apiserver and etcd")
	flag.StringVar(&o.gardenfleet, "gardenfleet", "bin/gardenfleet", "gardenfleet binary whose `serve` is measured")
	flag.DurationVar(&o.interval, "interval", time.Minute, "the Fleet's spec.interval")
	flag.IntVar(&o.passes, "passes", 2, "passes measured after the Fleet is first Ready (drift correction at an unchanged revision)")
	flag.DurationVar(&o.delay, "delay", 200*time.Millisecond, "how long the gardenlet simulator keeps a shoot operation Processing")
	flag.DurationVar(&o.gatePoll, "gate-poll-interval", 10*time.Second, "the daemon's --gate-poll-interval: how often it looks again while shoots are Processing")
	flag.DurationVar(&o.readyTimeout, "ready-timeout", 15*time.Minute, "bound on the wait for the Fleet to be Ready")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound on the whole run")
	flag.Var(&env, "env", "KEY=VALUE added to the daemon's environment, repeatable (e.g. GOMEMLIMIT=250MiB)")
	flag.StringVar(&o.logFile, "log", "", "keep the daemon's log (JSON and gctrace) in this file, with -shards the i-th daemon's in FILE.<i>; by default they are removed with the work directory")
	flag.BoolVar(&o.verbose, "v", false, "send the API server's and simulator's logs to stderr")
	flag.StringVar(&o.profile, "profile", "", "instead of measuring the daemon binary, profile its heap in this process: build (load and render the fleet) or passes (reconcile until Ready, then profile -passes passes)")
	flag.StringVar(&o.profileDir, "profile-dir", "benchdaemon-profiles", "where -profile writes heap profiles")
	flag.IntVar(&o.profileGOGC, "profile-gogc", 10, "GOGC while profiling: low, so that collections are frequent and the largest live heap is seen")
	flag.Parse()
	o.env = env
	if flag.NArg() > 0 || o.shoots < 1 || o.shards < 1 || o.shards > o.shoots || o.passes < 1 || o.interval <= 0 {
		fmt.Fprintln(os.Stderr, "usage: benchdaemon [-shoots N] [-shards N] [-passes N] [-env KEY=VALUE] [flags]; see -help")
		os.Exit(2)
	}

	// Ctrl-C still stops every process this started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	if o.profile != "" {
		var err error
		switch o.profile {
		case "build":
			err = profileBuild(ctx, o.shoots, o.profileGOGC, o.profileDir, os.Stdout)
		case "passes":
			err = profilePasses(ctx, o, o.profileDir, os.Stdout)
		default:
			err = fmt.Errorf("-profile %q: want build or passes", o.profile)
		}
		cancel()
		stop()
		if err != nil {
			log.Fatalf("benchdaemon: %v", err)
		}
		return
	}
	res, err := run(ctx, o)
	cancel()
	stop()
	if res != nil {
		res.print(os.Stdout)
	}
	if err != nil {
		log.Fatalf("benchdaemon: %v", err)
	}
}

func run(ctx context.Context, o options) (_ *results, retErr error) {
	for _, p := range []*string{&o.assets, &o.gardenfleet} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	if _, err := os.Stat(o.gardenfleet); err != nil {
		return nil, fmt.Errorf("gardenfleet binary: %w (run `make build`)", err)
	}
	work, err := os.MkdirTemp("", "benchdaemon")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	logf("generating a fleet of %d shoots in %d part(s)", o.shoots, o.shards)
	shards, err := newShards(work, o.shoots, o.shards)
	if err != nil {
		return nil, err
	}
	res := &results{opts: o, load: loadAverage()}
	for _, s := range shards {
		logf("%s: %d shoots, rendered to %d objects", s.selector(), s.shoots, s.objects)
		res.daemons = append(res.daemons, &daemonResult{shard: s})
	}
	l, err := startLandscape(ctx, o, shards, work)
	if err != nil {
		return nil, err
	}
	defer func() { retErr = errors.Join(retErr, l.stop()) }()

	var ds []*daemon
	var logs []string
	defer func() {
		for i, d := range ds {
			retErr = errors.Join(retErr, d.stop())
			retErr = errors.Join(retErr, res.daemons[i].readGCTrace(logs[i]))
		}
		res.load += " before, " + loadAverage() + " after"
	}()
	for _, s := range shards {
		logPath := o.logFile
		switch {
		case logPath == "":
			logPath = filepath.Join(work, fmt.Sprintf("gardenfleet-%d.log", s.index))
		case len(shards) > 1:
			logPath = fmt.Sprintf("%s.%d", logPath, s.index)
		}
		d, err := startDaemon(o, s, l.kubeconfig, filepath.Join(work, fmt.Sprintf("cache-%d", s.index)), logPath)
		if err != nil {
			return res, err
		}
		ds, logs = append(ds, d), append(logs, logPath)
	}
	if err := measure(ctx, o, l, ds, res); err != nil {
		var lines []string
		for i, p := range logs {
			lines = append(lines, fmt.Sprintf("last lines of the log of %s:\n%s", shards[i].selector(), tail(p, 15)))
		}
		return res, fmt.Errorf("%w\n%s", err, strings.Join(lines, "\n"))
	}
	return res, nil
}

// renderedObjects generates a part of a fleet and renders it here, to know
// how many objects the daemon must apply.
func renderedObjects(dir string, n int, part benchfleet.Part) (int, error) {
	if err := benchfleet.GeneratePart(dir, n, part); err != nil {
		return 0, fmt.Errorf("generate fleet: %w", err)
	}
	f, err := fleet.Load(dir)
	if err != nil {
		return 0, fmt.Errorf("load fleet: %w\n%s", err, fleet.Details(err, dir))
	}
	r, err := render.Fleet(f)
	if err != nil {
		return 0, fmt.Errorf("render fleet: %w", err)
	}
	return len(r.Objects), nil
}

// loadAverage returns the 1-minute load average, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// tail returns the last n lines of a file, for errors.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s benchdaemon: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
