package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/dashboard"
	"github.com/gardenfleet/gardenfleet/reconciler"
)

const serveDoc = `Run the reconciler: keep the garden cluster matching every Fleet object.

Each Fleet (gardenfleet.dev/v1alpha1) names a fleet repository. The daemon
fetches it at the Fleet's interval, renders it, applies it with server-side
apply, prunes what left Git within the deletion guard, and moves shoots to
new Kubernetes versions one confirmed step at a time. Status, Events and
Prometheus metrics report what it did.

Each new revision is first evaluated in a child process: one that takes
longer than --eval-timeout or more memory than --eval-memory, or renders more
than 50,000 objects or 64 MiB, is refused like an invalid fleet (the last
good revision stays applied; the Fleet's Ready condition and a Warning Event
say why) and the daemon goes on.

Metrics are served at --metrics-bind-address (/metrics), liveness and
readiness at --health-probe-bind-address (/healthz, /readyz), a read-only
dashboard of every Fleet's status at --dashboard-bind-address; "0" turns any
of them off. With --leader-elect several replicas run and one, holding a Lease,
reconciles; another takes over when it stops. Logs are JSON on stderr.

With --fleet-selector (a label selector, as kubectl's -l) several daemons
split the Fleets between them, as Flux's --watch-label-selector shards its
controllers: a daemon caches, reconciles and writes the status of the Fleets
its selector matches only. Give each shard its own selector, disjoint from
the others' (and its own --leader-election-id), e.g. "shard=a", "shard=b" and
"!shard" for the rest.

Examples:
  gardenfleet serve --kubeconfig garden.yaml
  gardenfleet serve --leader-elect --namespace gardenfleet-system
  gardenfleet serve --leader-elect --fleet-selector shard=a --leader-election-id gardenfleet-shard-a`

type serveOptions struct {
	kubeconfig              string
	namespace               string
	fleetSelector           string
	leaderElect             bool
	leaderElectionNamespace string
	leaderElectionID        string
	leaseDuration           time.Duration
	renewDeadline           time.Duration
	retryPeriod             time.Duration
	concurrency             int
	metricsAddr             string
	probeAddr               string
	dashboardAddr           string
	cacheDir                string
	gatePoll                time.Duration
	verbose                 bool
	limits                  clientLimits
	evalTimeout             time.Duration
	evalMemory              int64
}

func newServeCmd(streams Streams) *cobra.Command {
	opts := &serveOptions{limits: defaultClientLimits()}
	cmd := &cobra.Command{
		Use:   "serve [--kubeconfig FILE] [--namespace NS] [--leader-elect] [--concurrency N]",
		Short: "Run the reconciler daemon",
		Long:  serveDoc,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), streams, opts)
		},
	}
	f := cmd.Flags()
	opts.limits.addFlags(f)
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "kubeconfig of the garden cluster (default: $KUBECONFIG, in-cluster, ~/.kube/config)")
	f.StringVar(&opts.namespace, "namespace", "", "watch Fleets in this namespace only (default all)")
	f.StringVar(&opts.fleetSelector, "fleet-selector", "", `reconcile only the Fleets with matching labels, e.g. "shard=a" (default all)`)
	f.BoolVar(&opts.leaderElect, "leader-elect", false, "elect one active replica with a Lease")
	f.StringVar(&opts.leaderElectionNamespace, "leader-election-namespace", "", "namespace of the Lease (default --namespace, else the pod's)")
	f.StringVar(&opts.leaderElectionID, "leader-election-id", "gardenfleet-leader", "name of the Lease")
	f.DurationVar(&opts.leaseDuration, "lease-duration", 15*time.Second, "how long a standby waits before taking a Lease its leader stopped renewing")
	f.DurationVar(&opts.renewDeadline, "renew-deadline", 10*time.Second, "how long the leader tries to renew before giving up")
	f.DurationVar(&opts.retryPeriod, "retry-period", 2*time.Second, "how often replicas try to acquire or renew the Lease")
	f.IntVar(&opts.concurrency, "concurrency", 4, "Fleets reconciled at once")
	f.StringVar(&opts.metricsAddr, "metrics-bind-address", ":8080", `address of /metrics; "0" turns it off`)
	f.StringVar(&opts.probeAddr, "health-probe-bind-address", ":8081", `address of /healthz and /readyz; "0" turns it off`)
	f.StringVar(&opts.dashboardAddr, "dashboard-bind-address", "127.0.0.1:8082", `address of the read-only dashboard; "0" turns it off`)
	f.StringVar(&opts.cacheDir, "cache-dir", filepath.Join(os.TempDir(), "gardenfleet"), "where Git clones are kept")
	f.DurationVar(&opts.gatePoll, "gate-poll-interval", 30*time.Second, "how often shoots on their way to new versions are looked at")
	f.BoolVar(&opts.verbose, "verbose", false, "log at debug level")
	addEvalTimeoutFlag(cmd, &opts.evalTimeout)
	addEvalMemoryFlag(cmd, &opts.evalMemory)
	return cmd
}

func runServe(ctx context.Context, streams Streams, opts *serveOptions) error {
	if opts.concurrency < 1 {
		return fmt.Errorf("--concurrency %d: want at least 1", opts.concurrency)
	}
	// Flux's own parsing, so a selector means what it means to Flux.
	selector, err := runtimectrl.GetWatchSelector(runtimectrl.WatchOptions{LabelSelector: opts.fleetSelector})
	if err != nil {
		return fmt.Errorf("--fleet-selector: %w", err)
	}
	level := slog.LevelInfo
	if opts.verbose {
		level = slog.LevelDebug
	}
	log := logr.FromSlogHandler(slog.NewJSONHandler(streams.Err, &slog.HandlerOptions{Level: level}))
	ctrl.SetLogger(log)

	cfg, err := kubeConfig(opts.kubeconfig)
	if err != nil {
		return err
	}
	opts.limits.apply(cfg)
	scheme, err := kubeScheme()
	if err != nil {
		return err
	}
	mopts := ctrl.Options{
		Scheme:                        scheme,
		Logger:                        log,
		Metrics:                       metricsserver.Options{BindAddress: opts.metricsAddr},
		HealthProbeBindAddress:        opts.probeAddr,
		LeaderElection:                opts.leaderElect,
		LeaderElectionID:              opts.leaderElectionID,
		LeaderElectionNamespace:       opts.leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &opts.leaseDuration,
		RenewDeadline:                 &opts.renewDeadline,
		RetryPeriod:                   &opts.retryPeriod,
	}
	// Other shards' Fleets are not even cached: no memory, no events.
	mopts.Cache.ByObject = map[client.Object]cache.ByObject{&v1alpha1.Fleet{}: {Label: selector}}
	if opts.namespace != "" {
		mopts.Cache.DefaultNamespaces = map[string]cache.Config{opts.namespace: {}}
		if mopts.LeaderElectionNamespace == "" {
			mopts.LeaderElectionNamespace = opts.namespace
		}
	}
	mgr, err := ctrl.NewManager(cfg, mopts)
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("add readiness check: %w", err)
	}

	ropts := reconciler.DefaultOptions()
	ropts.CacheDir, ropts.GatePollInterval = opts.cacheDir, opts.gatePoll
	ropts.Eval.Time, ropts.Eval.Memory = opts.evalTimeout, opts.evalMemory
	ropts.FleetSelector = selector
	r := reconciler.NewFleetReconciler(mgr.GetClient(), mgr.GetAPIReader(),
		mgr.GetEventRecorderFor(reconciler.ControllerName), //nolint:staticcheck // the Event API client-go's record package speaks
		nil, ropts)
	// One controller per process; the check only trips over replicas run in
	// one process, as the tests do.
	copts := controller.Options{MaxConcurrentReconciles: opts.concurrency, SkipNameValidation: ptr.To(true)}
	if err := r.SetupWithManager(mgr, copts); err != nil {
		return fmt.Errorf("set up the reconciler: %w", err)
	}
	if opts.dashboardAddr != "0" {
		// Every shoot's state comes from the reconciler's last pass, the
		// lines the status lists a capped part of.
		srv := dashboard.NewServer(dashboard.Options{Fleets: mgr.GetClient(), Topologies: mgr.GetAPIReader(), Namespace: opts.namespace, Shoots: r})
		started := func(addr string) { log.Info("serving the dashboard", "url", "http://"+addr+"/") }
		if err := mgr.Add(&dashboard.Runnable{Addr: opts.dashboardAddr, Handler: srv, Started: started}); err != nil {
			return fmt.Errorf("add the dashboard: %w", err)
		}
	}
	log.Info("starting", "namespace", opts.namespace, "fleetSelector", selector.String(), "leaderElect", opts.leaderElect, "concurrency", opts.concurrency)
	if err := mgr.Start(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}
