package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-logr/logr/funcr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/gardenfleet/gardenfleet/hack/gardenerapiserver"
	"github.com/gardenfleet/gardenfleet/hack/gitserver"
	"github.com/gardenfleet/gardenfleet/hack/landscape"
	"github.com/gardenfleet/gardenfleet/hack/metalwebhook"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

// FleetRepo is the repository the Git server offers for the fleet.
const fleetRepo = "fleet"

// serve runs the landscape in the foreground until ctx ends, then stops all of it.
func serve(ctx context.Context, cfg *config) (retErr error) {
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return err
	}
	if err := writePIDs(pidPath(cfg.dir), []int{os.Getpid()}); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	defer func() {
		for _, p := range []string{statePath(cfg.dir), pidPath(cfg.dir), childrenPath(cfg.dir)} {
			_ = os.Remove(p)
		}
	}()
	log.SetLogger(funcr.New(func(prefix, args string) { fmt.Fprintln(os.Stderr, time.Now().Format(time.TimeOnly), prefix, args) }, funcr.Options{}))
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s landscape: %s\n", time.Now().Format(time.TimeOnly), fmt.Sprintf(format, args...))
	}

	// etcd, kube-apiserver and gardener-apiserver: envtest runs the first two, with etcd's
	// data kept in dir so a restarted landscape keeps its objects.
	cpLog, err := os.OpenFile(filepath.Join(cfg.dir, "controlplane.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer cpLog.Close()
	// envtest makes fresh certificates only into an empty directory (and reuses none), so the
	// server certificates are new on every start, as are the aggregation layer's; the
	// kubeconfig is rewritten to match.
	for _, d := range []string{"apiserver", "gardener"} {
		if err := os.RemoveAll(filepath.Join(cfg.dir, d)); err != nil {
			return err
		}
	}
	for _, d := range []string{"etcd", "apiserver", "gardener", "git"} {
		if err := os.MkdirAll(filepath.Join(cfg.dir, d), 0o700); err != nil {
			return err
		}
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: cfg.bin,
		Scheme:                scheme,
		ControlPlane: envtest.ControlPlane{
			Etcd:      &envtest.Etcd{DataDir: filepath.Join(cfg.dir, "etcd"), Out: cpLog, Err: cpLog},
			APIServer: &envtest.APIServer{CertDir: filepath.Join(cfg.dir, "apiserver"), Out: cpLog, Err: cpLog},
		},
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	gardenerDir := filepath.Join(cfg.dir, "gardener")
	if err := gardenerapiserver.ConfigureAggregation(gardenerDir, env.ControlPlane.APIServer.Configure()); err != nil {
		return fmt.Errorf("configure aggregation layer: %w", err)
	}
	logf("starting etcd and kube-apiserver from %s", cfg.bin)
	restCfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("start etcd and kube-apiserver: %w", err)
	}
	defer func() {
		logf("stopping kube-apiserver and etcd")
		retErr = errors.Join(retErr, env.Stop())
	}()
	// Recorded so that `down` can still stop them should this process die.
	controlPlane := children(os.Getpid())
	if err := writePIDs(childrenPath(cfg.dir), controlPlane); err != nil {
		return fmt.Errorf("write children pid file: %w", err)
	}

	logf("starting gardener-apiserver")
	gctx, gcancel := context.WithTimeout(ctx, 2*time.Minute)
	gardener, err := gardenerapiserver.Start(gctx, gardenerapiserver.Options{
		Binary: filepath.Join(cfg.bin, "gardener-apiserver"), Env: env, Config: restCfg,
		Dir: gardenerDir, ClusterIdentity: "gardenfleet-landscape", Out: cpLog,
	})
	gcancel()
	if err != nil {
		return err
	}
	defer func() {
		logf("stopping gardener-apiserver")
		retErr = errors.Join(retErr, gardener.Stop(time.Minute))
	}()
	// Last, so `down` stops it first: it needs etcd to shut down promptly.
	if err := writePIDs(childrenPath(cfg.dir), append(controlPlane, gardener.PID())); err != nil {
		return fmt.Errorf("write children pid file: %w", err)
	}

	admin, err := env.AddUser(envtest.User{Name: "landscape-admin", Groups: []string{"system:masters"}}, restCfg)
	if err != nil {
		return fmt.Errorf("add admin user: %w", err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		return fmt.Errorf("build kubeconfig: %w", err)
	}
	kubeconfigPath := filepath.Join(cfg.dir, "kubeconfig")
	if err := writeFileAtomic(kubeconfigPath, kubeconfig, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}

	c, err := client.New(admin.Config(), client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	logf("installing CRDs and the garden's objects, waiting for Gardener's admission")
	if err := landscape.Install(ctx, c, landscape.DefaultInstallOptions()); err != nil {
		return err
	}
	logf("starting metal-stack's admission webhook")
	mctx, mcancel := context.WithTimeout(ctx, time.Minute)
	metalWebhook, err := metalwebhook.Start(mctx, metalwebhook.Options{Config: admin.Config(), ProbeNamespace: landscape.GardenNamespace})
	mcancel()
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, metalWebhook.Stop(context.Background())) }()

	git, err := gitserver.Start(ctx, filepath.Join(cfg.dir, "git"))
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, git.Stop()) }()
	if err := git.CreateRepo(ctx, fleetRepo); err != nil {
		return err
	}

	mgr, err := ctrl.NewManager(admin.Config(), ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		return fmt.Errorf("create simulator manager: %w", err)
	}
	simOpts := simulator.DefaultOptions()
	simOpts.Delay, simOpts.Clock, simOpts.Behaviour.MaintenanceWindows = cfg.delay, clock.RealClock{}, cfg.windows
	if _, err := simulator.Setup(mgr, simOpts); err != nil {
		return err
	}
	mgrCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mgrCtx) }()
	defer func() {
		cancel()
		retErr = errors.Join(retErr, <-done)
	}()

	st := &state{
		PID: os.Getpid(), APIServer: restCfg.Host, Kubeconfig: kubeconfigPath, GitURL: git.URL(fleetRepo),
		Etcd: env.ControlPlane.Etcd.URL.String(), GardenerAPIServer: "https://127.0.0.1:" + strconv.Itoa(gardener.Port()),
	}
	if err := writeState(cfg.dir, st); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	logf("up: API server %s, Git %s", st.APIServer, st.GitURL)

	select {
	case <-ctx.Done():
		logf("shutting down")
		return nil
	case err := <-done:
		done <- err
		return fmt.Errorf("simulator stopped: %w", err)
	}
}
