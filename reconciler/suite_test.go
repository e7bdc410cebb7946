package reconciler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/hack/gitserver"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

// The garden cluster and Git server shared by the envtest tests of this
// package; env is nil when the binaries are missing outside CI (envSkip says
// why).
var (
	env     *testenv.Env
	envSkip error
	git     *gitserver.Server
)

// Short enough to keep the tests fast, long enough to see operations
// Processing. lastOperation.lastUpdateTime and the Fleet's stepStartedAt
// are whole seconds, and a step is confirmed only by an operation stamped
// after the second it was applied in (as any real one is): an operation
// must outlast a second.
const (
	simulatorDelay = 1100 * time.Millisecond
	gatePoll       = 50 * time.Millisecond
	waitTimeout    = 60 * time.Second
)

func TestMain(m *testing.M) {
	// The daemon evaluates each revision in a child: this binary.
	bounded.Main()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e, err := testenv.Start(ctx, testenv.Options{
		Simulator: simulator.Options{Delay: simulatorDelay, Clock: clock.RealClock{}, Resync: time.Second},
	})
	switch {
	case errors.Is(err, testenv.ErrNoBinaries) && os.Getenv("CI") == "":
		envSkip = err
		return m.Run()
	case err != nil:
		fmt.Fprintf(os.Stderr, "reconciler: start envtest: %v\n", err)
		return 1
	}
	code := func() int {
		if err := installFleetCRD(ctx, e); err != nil {
			fmt.Fprintf(os.Stderr, "reconciler: %v\n", err)
			return 1
		}
		root, err := os.MkdirTemp("", "gardenfleet-git-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "reconciler: %v\n", err)
			return 1
		}
		defer os.RemoveAll(root)
		if git, err = gitserver.Start(ctx, root); err != nil {
			fmt.Fprintf(os.Stderr, "reconciler: start git server: %v\n", err)
			return 1
		}
		defer func() { _ = git.Stop() }() // the process exits next
		env = e
		return m.Run()
	}()
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "reconciler: stop envtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// installFleetCRD installs config/crd/bases, the CRD as shipped, and adds the
// API to the environment's scheme.
func installFleetCRD(ctx context.Context, e *testenv.Env) error {
	if err := v1alpha1.AddToScheme(e.Scheme); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join("..", "config", "crd", "bases", "gardenfleet.dev_fleets.yaml"))
	if err != nil {
		return err
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(b, crd); err != nil {
		return fmt.Errorf("parse fleet crd: %w", err)
	}
	if err := e.Client.Create(ctx, crd); err != nil {
		return fmt.Errorf("create fleet crd: %w", err)
	}
	for {
		if err := e.Client.Get(ctx, client.ObjectKeyFromObject(crd), crd); err != nil {
			return err
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fleet crd not established: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// requireEnv returns the environment or skips the test; under CI a missing
// environment already failed TestMain.
func requireEnv(t *testing.T) *testenv.Env {
	t.Helper()
	if env == nil {
		t.Skipf("envtest not available: %v (under CI, CI=1, this fails instead)", envSkip)
	}
	return env
}

// harness is one test's fleet: its own namespace for the Fleet object, its
// own Git repository and its own project (so its shoots live in their own
// namespace), and a reconciler that runs only for it.
type harness struct {
	t       *testing.T
	ns      string // the Fleet object's namespace
	project string // the fleet's project; its shoots live in garden-<project>
	repo    string
	key     types.NamespacedName
	src     string // the working copy pushed to the repository
	events  *eventRecorder
	counter *requestCounter
	// registry holds the metrics of the reconciler started last.
	registry *prometheus.Registry
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	e := requireEnv(t)
	ns := e.NewNamespace(t)
	suffix := utilrand.String(6)
	h := &harness{
		t:       t,
		ns:      ns,
		project: "p" + suffix,
		repo:    "fleet-" + suffix,
		key:     types.NamespacedName{Namespace: ns, Name: "fleet"},
		src:     t.TempDir(),
		events:  &eventRecorder{},
		counter: &requestCounter{},
	}
	if err := git.CreateRepo(context.Background(), h.repo); err != nil {
		t.Fatal(err)
	}
	return h
}

// pushShoots pushes a fleet of n shoots at 1.36.4, named by format and
// their index, creates the Fleet and returns the revision.
func (h *harness) pushShoots(format string, n int) string {
	h.t.Helper()
	fl := newFleet()
	for i := range n {
		fl.shoot(fmt.Sprintf(format, i), "1.36.4", "")
	}
	rev := h.push(fl.files())
	h.createFleet()
	return rev
}

// countedConfig is the API server's config with every request counted in
// h.counter.
func (h *harness) countedConfig() *rest.Config {
	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(h.counter.RoundTrip)
	return cfg
}

// directReconciler is a FleetReconciler the test calls itself, one pass a
// Reconcile, with metrics of its own.
func (h *harness) directReconciler(c client.Client, reader client.Reader) *FleetReconciler {
	h.t.Helper()
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		h.t.Fatal(err)
	}
	return NewFleetReconciler(c, reader, h.events, metrics, h.reconcilerOptions())
}

// reconcileUntilApplied calls r until the Fleet reports rev applied: the
// first passes fail until the simulator created the project's namespace.
func (h *harness) reconcileUntilApplied(ctx context.Context, t *testing.T, r *FleetReconciler, rev string) {
	t.Helper()
	h.eventually(t, func(g gomega.Gomega) {
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: h.key})
		g.Expect(err).NotTo(gomega.HaveOccurred())
		g.Expect(h.fleet(g).Status.LastAppliedRevision).To(gomega.Equal(rev))
	})
}

// shootNamespace is where the fleet's shoots live.
func (h *harness) shootNamespace() string { return "garden-" + h.project }

// push replaces the repository's tree with files (PROJECT in them replaced by
// the test's project) and returns the revision the reconciler will report.
func (h *harness) push(files map[string]string) string {
	h.t.Helper()
	entries, _ := os.ReadDir(h.src)
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(h.src, e.Name())); err != nil {
			h.t.Fatal(err)
		}
	}
	for name, content := range files {
		p := filepath.Join(h.src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "PROJECT", h.project)), 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
	commit, err := git.PushDir(context.Background(), h.repo, h.src, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	return "main@sha1:" + commit
}

// reconcilerOptions are the options tests run the reconciler with.
func (h *harness) reconcilerOptions() Options {
	opts := DefaultOptions()
	opts.CacheDir = h.t.TempDir()
	opts.GatePollInterval = gatePoll
	opts.Jitter = nil
	return opts
}

// start runs a reconciler for the harness's namespace until the returned
// stop is called (or the test ends).
func (h *harness) start() (stop func()) {
	h.t.Helper()
	return h.startWith(h.reconcilerOptions())
}

func (h *harness) startWith(opts Options) (stop func()) {
	h.t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(h.counter.RoundTrip)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{h.ns: {}}},
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.registry = prometheus.NewRegistry()
	metrics, err := NewMetrics(h.registry)
	if err != nil {
		h.t.Fatal(err)
	}
	r := NewFleetReconciler(mgr.GetClient(), mgr.GetAPIReader(), h.events, metrics, opts)
	if err := r.SetupWithManager(mgr, controller.Options{}); err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("reconciler stopped with: %v", err)
			}
		})
	}
	h.t.Cleanup(stop)
	return stop
}

// createFleet creates the Fleet object following the test's repository.
func (h *harness) createFleet(mutate ...func(*v1alpha1.Fleet)) {
	h.t.Helper()
	f := &v1alpha1.Fleet{}
	f.Namespace, f.Name = h.key.Namespace, h.key.Name
	f.Spec.URL = git.URL(h.repo)
	f.Spec.Interval = &metav1.Duration{Duration: time.Second}
	for _, m := range mutate {
		m(f)
	}
	if err := env.Client.Create(context.Background(), f); err != nil {
		h.t.Fatal(err)
	}
}

// fleet reads the Fleet object.
func (h *harness) fleet(g gomega.Gomega) *v1alpha1.Fleet {
	f := &v1alpha1.Fleet{}
	g.Expect(env.Client.Get(context.Background(), h.key, f)).To(gomega.Succeed())
	return f
}

// eventually retries fn until it passes or the wait times out, failing t.
func (h *harness) eventually(t *testing.T, fn func(g gomega.Gomega)) {
	t.Helper()
	gomega.NewWithT(t).Eventually(fn).WithTimeout(waitTimeout).WithPolling(20 * time.Millisecond).Should(gomega.Succeed())
}

// consistently checks that fn keeps passing for the whole of d (a "nothing
// moves" check), failing t at the first time it does not.
func (h *harness) consistently(t *testing.T, d time.Duration, fn func(g gomega.Gomega)) {
	t.Helper()
	gomega.NewWithT(t).Consistently(fn).WithTimeout(d).WithPolling(50 * time.Millisecond).Should(gomega.Succeed())
}

// shoot reads a Shoot of the fleet, nil when it does not exist.
func (h *harness) shoot(name string) *unstructured.Unstructured {
	h.t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(shootGVK)
	err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: h.shootNamespace(), Name: name}, u)
	if err != nil {
		if client.IgnoreNotFound(err) == nil {
			return nil
		}
		h.t.Fatal(err)
	}
	return u
}

// eventRecorder keeps Events in memory; tests read them with take.
type eventRecorder struct {
	mu     sync.Mutex
	events []string
}

func (r *eventRecorder) Event(_ runtime.Object, eventtype, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, eventtype+" "+reason+" "+message)
}

func (r *eventRecorder) Eventf(o runtime.Object, eventtype, reason, format string, args ...any) {
	r.Event(o, eventtype, reason, fmt.Sprintf(format, args...))
}

func (r *eventRecorder) AnnotatedEventf(o runtime.Object, _ map[string]string, eventtype, reason, format string, args ...any) {
	r.Event(o, eventtype, reason, fmt.Sprintf(format, args...))
}

// all returns the Events recorded so far.
func (r *eventRecorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// requestCounter counts the API requests made through a rest.Config.
type requestCounter struct {
	mu       sync.Mutex
	requests []string
	// panicOn, when set, makes requests whose path contains it panic.
	panicOn string
}

func (c *requestCounter) RoundTrip(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.mu.Lock()
		c.requests = append(c.requests, r.Method+" "+r.URL.Path)
		panicOn := c.panicOn
		c.mu.Unlock()
		if panicOn != "" && strings.Contains(r.URL.Path, panicOn) {
			panic("test: request to " + r.URL.Path)
		}
		return rt.RoundTrip(r)
	})
}

// take returns the requests counted since the last take.
func (c *requestCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.requests
	c.requests = nil
	return r
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// watchReady records every Ready condition the Fleet is written with, as
// "Status Reason Message", until the test ends.
func (h *harness) watchReady(t *testing.T) func() []string {
	t.Helper()
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := wc.Watch(ctx, &v1alpha1.FleetList{}, client.InNamespace(h.ns))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			f, ok := ev.Object.(*v1alpha1.Fleet)
			if !ok {
				continue
			}
			for _, c := range f.Status.Conditions {
				if c.Type == "Ready" {
					mu.Lock()
					seen = append(seen, string(c.Status)+" "+c.Reason+" "+c.Message)
					mu.Unlock()
				}
			}
		}
	}()
	t.Cleanup(func() { w.Stop(); cancel(); <-done })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}
