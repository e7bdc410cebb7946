package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/gardenfleet/gardenfleet/hack/gardenerapiserver"
	"github.com/gardenfleet/gardenfleet/hack/landscape"
	"github.com/gardenfleet/gardenfleet/hack/metalwebhook"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

// Options configures Start.
type Options struct {
	// Simulator configures the gardenlet simulator. Its zero Delay ends operations at once.
	Simulator simulator.Options
	// WithoutSimulator leaves the simulator out, for tests that drive status themselves.
	WithoutSimulator bool
	// BinaryAssetsDirectory holds kube-apiserver, etcd and kubectl. Defaults to
	// $KUBEBUILDER_ASSETS, else bin/k8s of the repository around the working directory.
	BinaryAssetsDirectory string
	// Verbose sends the control plane's and the simulator's logs to stderr.
	Verbose bool
	// GardenerAPIServer is the gardener-apiserver binary. Defaults to
	// $TEST_ASSET_GARDENER_APISERVER, else BinaryAssetsDirectory's, else the repository's
	// bin/k8s/gardener-apiserver.
	GardenerAPIServer string
}

// Env is a running garden cluster.
type Env struct {
	// Config reaches the API server as cluster admin.
	Config *rest.Config
	// Client is a controller-runtime client on Config, not cached.
	Client client.Client
	// Scheme knows the built-in kinds and CRDs; Gardener's kinds are used as unstructured.
	Scheme *runtime.Scheme
	// Simulator is the running simulator, whose behaviour tests change; nil
	// WithoutSimulator.
	Simulator *simulator.Simulator

	env    *envtest.Environment
	cancel context.CancelFunc
	done   chan error
	// gardener is gardener-apiserver; certDir holds the front-proxy's and its certificates.
	gardener *gardenerapiserver.Server
	certDir  string
	// metal serves metal-stack's Shoot admission to gardener-apiserver.
	metal *metalwebhook.Server
}

// ErrNoBinaries tells that kube-apiserver and etcd are not built yet.
var ErrNoBinaries = errors.New("kube-apiserver and etcd not found: run `make landscape-bin`")

// Start starts etcd, kube-apiserver with the aggregation layer and gardener-apiserver,
// installs the landscape's CRDs and garden objects, registers metal-stack's admission
// webhook and starts the simulator. Stop it when
// done.
func Start(ctx context.Context, opts Options) (_ *Env, retErr error) {
	assets, err := binaryAssets(opts.BinaryAssetsDirectory)
	if err != nil {
		return nil, err
	}
	gardenerBin, err := gardenerBinary(opts.GardenerAPIServer, assets)
	if err != nil {
		return nil, err
	}
	if opts.Verbose {
		log.SetLogger(funcr.New(func(prefix, args string) { fmt.Fprintln(os.Stderr, prefix, args) }, funcr.Options{}))
	} else {
		log.SetLogger(logr.Discard())
	}

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("build scheme: %w", err)
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("build scheme: %w", err)
	}

	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		Scheme:                   scheme,
		ControlPlaneStartTimeout: time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
		AttachControlPlaneOutput: opts.Verbose,
	}
	certDir, err := os.MkdirTemp("", "testenv-gardener-")
	if err != nil {
		return nil, fmt.Errorf("create certificate directory: %w", err)
	}
	if err := gardenerapiserver.ConfigureAggregation(certDir, env.ControlPlane.GetAPIServer().Configure()); err != nil {
		return nil, errors.Join(fmt.Errorf("configure aggregation layer: %w", err), os.RemoveAll(certDir))
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("start envtest with binaries from %s: %w", assets, err), os.RemoveAll(certDir))
	}
	e := &Env{Config: cfg, Scheme: scheme, env: env, certDir: certDir}
	defer func() {
		if retErr != nil {
			retErr = errors.Join(retErr, e.Stop())
		}
	}()
	// Many tests share one server; client-go's default 5 QPS would throttle them.
	cfg.QPS, cfg.Burst = 200, 400

	if e.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	var out io.Writer
	if opts.Verbose {
		out = os.Stderr
	}
	gctx, gcancel := context.WithTimeout(ctx, time.Minute)
	defer gcancel()
	if e.gardener, err = gardenerapiserver.Start(gctx, gardenerapiserver.Options{
		Binary: gardenerBin, Env: env, Config: cfg, Dir: certDir, ClusterIdentity: "gardenfleet-testenv", Out: out,
	}); err != nil {
		return nil, err
	}
	if err := landscape.Install(ctx, e.Client, landscape.DefaultInstallOptions()); err != nil {
		return nil, fmt.Errorf("install landscape: %w", err)
	}
	mwctx, mwcancel := context.WithTimeout(ctx, time.Minute)
	defer mwcancel()
	if e.metal, err = metalwebhook.Start(mwctx, metalwebhook.Options{Config: cfg, ProbeNamespace: landscape.GardenNamespace}); err != nil {
		return nil, err
	}
	if opts.WithoutSimulator {
		return e, nil
	}

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		return nil, fmt.Errorf("create simulator manager: %w", err)
	}
	if e.Simulator, err = simulator.Setup(mgr, opts.Simulator); err != nil {
		return nil, err
	}
	mctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan error, 1)
	go func() { e.done <- mgr.Start(mctx) }()
	syncCtx, syncCancel := context.WithTimeout(ctx, time.Minute)
	defer syncCancel()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		return nil, errors.New("simulator caches did not sync")
	}
	return e, nil
}

// Stop stops the simulator, the metal webhook, gardener-apiserver, then kube-apiserver
// and etcd.
func (e *Env) Stop() error {
	var errs []error
	if e.cancel != nil {
		e.cancel()
		if err := <-e.done; err != nil {
			errs = append(errs, fmt.Errorf("simulator: %w", err))
		}
		e.cancel = nil
	}
	if e.metal != nil {
		if err := e.metal.Stop(context.Background()); err != nil {
			errs = append(errs, fmt.Errorf("metal webhook: %w", err))
		}
		e.metal = nil
	}
	if e.gardener != nil {
		if err := e.gardener.Stop(time.Minute); err != nil {
			errs = append(errs, err)
		}
		e.gardener = nil
	}
	if e.env != nil {
		if err := e.env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop envtest: %w", err))
		}
		e.env = nil
	}
	if e.certDir != "" {
		if err := os.RemoveAll(e.certDir); err != nil {
			errs = append(errs, fmt.Errorf("remove certificates: %w", err))
		}
		e.certDir = ""
	}
	return errors.Join(errs...)
}

// AddUser returns a rest.Config for a user in the given groups, for tests of what a
// less privileged applier may do.
func (e *Env) AddUser(name string, groups ...string) (*rest.Config, error) {
	u, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, e.Config)
	if err != nil {
		return nil, fmt.Errorf("add user %s: %w", name, err)
	}
	return u.Config(), nil
}

// NewNamespace creates a project with a random six-letter name for one test, its namespace
// garden-<name> and the landscape's credentials in it, waits until Gardener's admission
// admits shoots there, and returns the namespace's name. Nothing is deleted: nothing would
// finish the deletion.
func (e *Env) NewNamespace(t testing.TB) string {
	t.Helper()
	ns, err := e.newProject(context.Background(), utilrand.String(6))
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// newProject does what Gardener's project controller and the project's members would:
// the simulator may not run.
func (e *Env) newProject(ctx context.Context, name string) (string, error) {
	ns := "garden-" + name
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
		simulator.ProjectNameLabel: name, simulator.RoleLabel: "project",
	}}}
	if err := e.Client.Create(ctx, namespace); err != nil {
		return "", fmt.Errorf("create namespace %s: %w", ns, err)
	}
	project := &unstructured.Unstructured{}
	project.SetGroupVersionKind(simulator.ProjectGVK)
	project.SetName(name)
	project.Object["spec"] = map[string]any{"namespace": ns}
	creds, err := landscape.Credentials(ns)
	if err != nil {
		return "", err
	}
	// The project last: the simulator, seeing it, finds the credentials in place.
	for _, o := range append(creds, project) {
		if err := e.Client.Create(ctx, o); err != nil {
			return "", fmt.Errorf("create %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := landscape.WaitAdmission(wctx, e.Client, ns); err != nil {
		return "", err
	}
	return ns, nil
}

// Main starts the environment for a test package, points *env at it, runs the tests and
// stops it. Use it as `func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env, opts)) }`.
func Main(m *testing.M, env **Env, opts Options) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	e, err := Start(ctx, opts)
	cancel()
	switch {
	case errors.Is(err, ErrNoBinaries) && os.Getenv("CI") == "":
		// Outside CI the pure tests still run; Require skips the others.
		skipReason = err
		return m.Run()
	case err != nil:
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		return 1
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// skipReason says why Main runs the tests without an environment.
var skipReason error

// Require returns env, or skips t when Main found no binaries outside CI;
// under CI, Main has failed already.
func Require(t testing.TB, env *Env) *Env {
	t.Helper()
	if env == nil {
		t.Skipf("envtest not available: %v (under CI, CI=1, this fails instead)", skipReason)
	}
	return env
}

// binaryAssets finds the directory with kube-apiserver and etcd.
func binaryAssets(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin", "k8s")
	}
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("%w (looked in %s)", ErrNoBinaries, dir)
		}
	}
	return dir, nil
}

// RepoRoot returns the directory of gardenfleet's go.mod, walking up from the working
// directory (a test runs in its package directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(data)), "module github.com/gardenfleet/gardenfleet\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repository root: no go.mod of github.com/gardenfleet/gardenfleet above the working directory")
		}
		dir = parent
	}
}
