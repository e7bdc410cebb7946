package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/hack/benchfleet"
	"github.com/gardenfleet/gardenfleet/hack/landscape"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
	"github.com/gardenfleet/gardenfleet/render"
)

// options are the driver's flags.
type options struct {
	shoots      int
	assets      string // kube-apiserver, etcd (and kubectl) for testenv
	kubectl     string
	gardenfleet string // only asked whether `serve` exists; hack/benchdaemon measures it
	limits      []clientLimit
	concurrency int
	rounds      int
	noopRuns    int
	timeout     time.Duration
	verbose     bool
}

func main() {
	var o options
	flag.IntVar(&o.shoots, "shoots", 1000, "shoots in the generated fleet")
	flag.StringVar(&o.assets, "assets", "bin/k8s", "directory with kube-apiserver and etcd")
	flag.StringVar(&o.kubectl, "kubectl", "bin/k8s/kubectl", "kubectl binary (built from the same tools module)")
	flag.StringVar(&o.gardenfleet, "gardenfleet", "bin/gardenfleet", "gardenfleet binary (for the daemon memory check)")
	limits := flag.String("limits", "none,50/300", "client rate limits gardenfleet is timed at, comma-separated: none or QPS/BURST (50/300 is fluxcd/pkg/runtime/client's default)")
	flag.IntVar(&o.concurrency, "concurrency", clusters.DefaultApplyOptions().Concurrency, "ApplyOptions.Concurrency")
	flag.IntVar(&o.rounds, "rounds", 5, "cold applies of each applier, alternating, each into a fresh API server; medians are reported")
	flag.IntVar(&o.noopRuns, "noop-runs", 3, "no-op passes after each gardenfleet cold apply")
	flag.DurationVar(&o.timeout, "timeout", 45*time.Minute, "bound on the whole run")
	flag.BoolVar(&o.verbose, "v", false, "send the API servers' logs to stderr")
	flag.Parse()
	var err error
	if o.limits, err = parseLimits(*limits); err != nil {
		fmt.Fprintf(os.Stderr, "benchapply: -limits: %v\n", err)
		os.Exit(2)
	}
	if flag.NArg() > 0 || o.shoots < 1 || o.rounds < 1 || o.noopRuns < 1 || o.concurrency < 1 {
		fmt.Fprintln(os.Stderr, "usage: benchapply [-shoots N] [-rounds N] [flags]; see -help")
		os.Exit(2)
	}

	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	res, err := run(ctx, o)
	cancel()
	if err != nil {
		log.Fatalf("benchapply: %v", err)
	}
	res.print(os.Stdout)
}

// sample is one measured apply.
type sample struct {
	wall time.Duration
	// clientCPU is the applier's CPU time; serverCPU kube-apiserver's and
	// etcd's together, or -1 where it cannot be read.
	clientCPU, serverCPU time.Duration
	requests             int
	// counts breaks gardenfleet's requests down; nil for kubectl.
	counts requestCounts
}

// results are the figures of one run.
type results struct {
	opts    options
	garden  []*unstructured.Unstructured // the Projects, set up outside the timing
	objects int
	render  time.Duration
	// gardenfleet holds the cold applies per client limit (opts.limits).
	gardenfleet     [][]sample
	kubectl         []sample // cold applies
	noop            []sample
	kubectlThrottle int    // kubectl requests its rate limiter held back, all rounds
	load            string // the machine's load average before and after
	serve           string
}

func run(ctx context.Context, o options) (*results, error) {
	for _, p := range []*string{&o.assets, &o.kubectl, &o.gardenfleet} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	if _, err := os.Stat(o.kubectl); err != nil {
		return nil, fmt.Errorf("kubectl: %w (run `make landscape-bin`)", err)
	}
	work, err := os.MkdirTemp("", "benchapply")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	res := &results{opts: o}
	loadBefore := loadAverage()
	logf("generating and rendering a fleet of %d shoots", o.shoots)
	all, elapsed, err := renderFleet(filepath.Join(work, "fleet"), o.shoots)
	if err != nil {
		return nil, err
	}
	// The Projects are the garden both tools apply into, set up outside the
	// timing: Gardener admits a Shoot only in a Ready project's namespace.
	projects, objs := splitProjects(all)
	res.garden = projects
	res.objects, res.render = len(objs), elapsed
	logf("rendered %d objects in %s", len(objs), elapsed.Round(time.Millisecond))
	files := filepath.Join(work, "objects")
	if err := writeObjects(files, objs); err != nil {
		return nil, err
	}

	res.gardenfleet = make([][]sample, len(o.limits))
	for round := range o.rounds {
		steps := []func() error{func() error { return res.runKubectl(ctx, o, objs, files, work) }}
		for i := range o.limits {
			steps = append(steps, func() error { return res.runGardenfleet(ctx, o, i, objs) })
		}
		// Rotate who goes first: the machine's load drifts.
		k := round % len(steps)
		steps = append(steps[k:], steps[:k]...)
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, fmt.Errorf("round %d: %w", round+1, err)
			}
		}
	}
	res.serve = serveStatus(ctx, o.gardenfleet)
	res.load = loadBefore + " before, " + loadAverage() + " after"
	return res, nil
}

// runGardenfleet measures a cold apply with clusters.Manager at client limit
// o.limits[li] into a fresh server, then the no-op passes on the same server
// and client.
func (r *results) runGardenfleet(ctx context.Context, o options, li int, objs []*unstructured.Unstructured) error {
	limit := o.limits[li]
	return withServer(ctx, o, r.garden, objs, func(e *testenv.Env) error {
		cfg, counter := countingConfig(e.Config, limit)
		applyOpts := clusters.DefaultApplyOptions()
		applyOpts.Concurrency = o.concurrency

		// Encoded, as the daemon keeps a revision (at build, not timed here).
		encoded, err := clusters.Encode(objs...)
		if err != nil {
			return err
		}
		m := measureStart()
		// The client is part of the cold apply: its REST mapper discovers
		// lazily, as the daemon's would after a start.
		c, err := client.New(cfg, client.Options{Scheme: e.Scheme})
		if err != nil {
			return fmt.Errorf("create client: %w", err)
		}
		mgr := clusters.NewManager(c, clusters.Owner{Name: "bench", Namespace: "gardenfleet-system"})
		if err := applyExpect(ctx, mgr, encoded, applyOpts, clusters.Created); err != nil {
			return fmt.Errorf("gardenfleet cold apply: %w", err)
		}
		s := m.stopSelf()
		s.counts = counter.take()
		s.requests = s.counts.total()
		r.gardenfleet[li] = append(r.gardenfleet[li], s)
		logf("gardenfleet cold apply, client limit %s: %s; %d requests (%s)", limit, s, s.requests, s.counts)

		// The first pass after a create re-applies the Shoots Gardener's
		// admission defaulted (their live object differs from what was
		// applied); it is logged, not measured: the no-op passes are the
		// daemon's steady state.
		cs, err := mgr.Apply(ctx, encoded, applyOpts)
		if err != nil {
			return fmt.Errorf("gardenfleet settling pass: %w", err)
		}
		logf("gardenfleet first pass after the cold apply: %s; %d requests", cs.Summary(), counter.take().total())

		for i := range o.noopRuns {
			m := measureStart()
			if err := applyExpect(ctx, mgr, encoded, applyOpts, clusters.Unchanged); err != nil {
				return fmt.Errorf("gardenfleet no-op pass %d: %w", i+1, err)
			}
			s := m.stopSelf()
			s.counts = counter.take()
			s.requests = s.counts.total()
			r.noop = append(r.noop, s)
			logf("gardenfleet no-op pass %d: %s; %d requests (%s)", i+1, s, s.requests, s.counts)
		}
		return nil
	})
}

// runKubectl measures `kubectl apply --server-side` of the object files into
// a fresh server.
func (r *results) runKubectl(ctx context.Context, o options, objs []*unstructured.Unstructured, files, work string) error {
	return withServer(ctx, o, r.garden, objs, func(e *testenv.Env) error {
		kubeconfig := filepath.Join(work, "kubeconfig")
		if err := writeKubeconfig(kubeconfig, e.Config); err != nil {
			return err
		}
		// A fresh discovery cache per server: kubectl starts as cold as gardenfleet.
		cache := filepath.Join(work, "kubectl-cache")
		if err := os.RemoveAll(cache); err != nil {
			return err
		}
		m := measureStart()
		run, err := kubectlApply(ctx, o.kubectl, kubeconfig, files, work)
		if err != nil {
			return err
		}
		s := m.stop(run.cpu)
		s.wall, s.requests = run.elapsed, run.requests
		r.kubectl = append(r.kubectl, s)
		r.kubectlThrottle += run.throttled
		logf("kubectl cold apply: %s; %d requests, %d held back by its client rate limiter", s, run.requests, run.throttled)
		if run.requests == 0 {
			return errors.New("kubectl apply: no requests found in its -v=6 log; has the log format changed?")
		}
		return checkApplied(ctx, e.Client, objs)
	})
}

// measurement is a sample being taken.
type measurement struct {
	start             time.Time
	selfCPU, children time.Duration
	childrenOK        bool
}

func measureStart() measurement {
	children, ok := childrenCPU(serverProcesses...)
	return measurement{start: time.Now(), selfCPU: selfCPU(), children: children, childrenOK: ok}
}

// stopSelf ends a sample of work done in this process.
func (m measurement) stopSelf() sample { return m.stop(selfCPU() - m.selfCPU) }

// stop ends a sample whose applier used clientCPU.
func (m measurement) stop(clientCPU time.Duration) sample {
	s := sample{wall: time.Since(m.start), clientCPU: clientCPU, serverCPU: -1}
	if children, ok := childrenCPU(serverProcesses...); ok && m.childrenOK {
		s.serverCPU = children - m.children
	}
	return s
}

func (s sample) String() string {
	return fmt.Sprintf("%s wall, client CPU %s, server CPU %s", seconds(s.wall), seconds(s.clientCPU), cpuSeconds(s.serverCPU))
}

// renderFleet generates a fleet of n shoots in dir, loads and renders it.
func renderFleet(dir string, n int) ([]*unstructured.Unstructured, time.Duration, error) {
	if err := benchfleet.Generate(dir, n); err != nil {
		return nil, 0, fmt.Errorf("generate fleet: %w", err)
	}
	start := time.Now()
	f, err := fleet.Load(dir)
	if err != nil {
		return nil, 0, fmt.Errorf("load fleet: %w\n%s", err, fleet.Details(err, dir))
	}
	r, err := render.Fleet(f)
	if err != nil {
		return nil, 0, fmt.Errorf("render fleet: %w", err)
	}
	return r.Objects, time.Since(start), nil
}

// withServer starts a fresh API server without the simulator and sets up,
// outside any timing, the garden objs are applied into: the namespaces (as
// Gardener's project controller would have made them), each project's
// credentials, and the Projects, Ready; then it runs fn and stops the server.
func withServer(ctx context.Context, o options, projects, objs []*unstructured.Unstructured, fn func(*testenv.Env) error) (retErr error) {
	logf("starting a fresh API server")
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	e, err := testenv.Start(sctx, testenv.Options{WithoutSimulator: true, BinaryAssetsDirectory: o.assets, Verbose: o.verbose})
	cancel()
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, e.Stop()) }()
	if err := createGarden(ctx, e.Client, projects, objs); err != nil {
		return err
	}
	return fn(e)
}

// countingConfig copies cfg with the given client limit and a counter of
// every request.
func countingConfig(cfg *rest.Config, limit clientLimit) (*rest.Config, *requestCounter) {
	c := rest.CopyConfig(cfg)
	c.QPS, c.Burst = limit.qps, limit.burst
	counter := &requestCounter{}
	c.Wrap(counter.wrap)
	return c, counter
}

// applyExpect applies objs and fails unless every object got action want.
func applyExpect(ctx context.Context, m *clusters.Manager, objs []clusters.Object, opts clusters.ApplyOptions, want clusters.Action) error {
	cs, err := m.Apply(ctx, objs, opts)
	if err != nil {
		return err
	}
	if got := cs.Count(want); got != len(objs) {
		return fmt.Errorf("%d of %d objects %s, want all: %s", got, len(objs), want, cs.Summary())
	}
	return nil
}

// namespacesOf returns, sorted, the namespaces objs live in and those their
// Projects name; project namespaces carry the labels Gardener's project
// controller sets.
func namespacesOf(objs []*unstructured.Unstructured) []corev1.Namespace {
	projects := map[string]string{}
	seen := map[string]bool{}
	var names []string
	add := func(ns string) {
		if ns != "" && !seen[ns] {
			seen[ns] = true
			names = append(names, ns)
		}
	}
	for _, o := range objs {
		add(o.GetNamespace())
		if o.GetKind() == "Project" {
			ns, _, _ := unstructured.NestedString(o.Object, "spec", "namespace")
			if ns == "" {
				ns = "garden-" + o.GetName()
			}
			projects[ns] = o.GetName()
			add(ns)
		}
	}
	slices.Sort(names)
	out := make([]corev1.Namespace, len(names))
	for i, n := range names {
		out[i].Name = n
		if p, ok := projects[n]; ok {
			out[i].Labels = map[string]string{simulator.ProjectNameLabel: p, simulator.RoleLabel: "project"}
		}
	}
	return out
}

// splitProjects returns the Projects of objs and the rest, in order.
func splitProjects(objs []*unstructured.Unstructured) (projects, rest []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GetKind() == "Project" {
			projects = append(projects, o)
		} else {
			rest = append(rest, o)
		}
	}
	return projects, rest
}

// createGarden creates the namespaces, each project namespace's credentials
// (as a project's members would before creating shoots) and the Projects with
// phase Ready, then waits until Gardener's admission admits a shoot.
func createGarden(ctx context.Context, c client.Client, projects, objs []*unstructured.Unstructured) error {
	var probe string
	for _, ns := range namespacesOf(append(slices.Clone(projects), objs...)) {
		if err := c.Create(ctx, &ns); err != nil {
			return fmt.Errorf("create namespace %s: %w", ns.Name, err)
		}
		if ns.Labels[simulator.ProjectNameLabel] == "" {
			continue
		}
		probe = ns.Name
		creds, err := landscape.Credentials(ns.Name)
		if err != nil {
			return err
		}
		for _, o := range creds {
			if err := c.Create(ctx, o); err != nil {
				return fmt.Errorf("create %s %s/%s: %w", o.GetKind(), ns.Name, o.GetName(), err)
			}
		}
	}
	for _, p := range projects {
		p = p.DeepCopy()
		if err := c.Create(ctx, p); err != nil {
			return fmt.Errorf("create Project %s: %w", p.GetName(), err)
		}
		orig := p.DeepCopy()
		if err := unstructured.SetNestedField(p.Object, "Ready", "status", "phase"); err != nil {
			return err
		}
		if err := c.Status().Patch(ctx, p, client.MergeFrom(orig)); err != nil {
			return fmt.Errorf("make Project %s Ready: %w", p.GetName(), err)
		}
	}
	if probe == "" {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return landscape.WaitAdmission(wctx, c, probe)
}

// checkApplied fails unless every object exists on the server.
func checkApplied(ctx context.Context, c client.Client, objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		live := &metav1.PartialObjectMetadata{}
		live.SetGroupVersionKind(o.GroupVersionKind())
		if err := c.Get(ctx, client.ObjectKeyFromObject(o), live); err != nil {
			return fmt.Errorf("check %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	return nil
}

// serveStatus says where the daemon's memory is measured: hack/benchdaemon
// runs `gardenfleet serve` against its own API server, with the simulator.
func serveStatus(ctx context.Context, gardenfleet string) string {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gardenfleet, "serve", "--help")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Run(); err != nil {
		return fmt.Sprintf("%s has no `serve` (%v)", gardenfleet, err)
	}
	return "measured by `make bench-daemon` (hack/benchdaemon), not here"
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s benchapply: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
