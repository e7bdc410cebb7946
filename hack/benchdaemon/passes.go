package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/reconciler"
)

// profilePasses runs the reconciler in this process, wired as `gardenfleet
// serve` wires it, until the Fleet is Ready, then profiles the heap through
// o.passes passes at the unchanged revision. It writes baseline.pprof (idle,
// after a forced GC) and peak.pprof (in-use as of the collection that saw
// the largest live heap during the passes) into dir; the difference is what
// a pass holds at its peak:
//
//	go tool pprof -top -diff_base DIR/baseline.pprof DIR/peak.pprof
//
// The simulator runs in this process too; its share is in both profiles.
func profilePasses(ctx context.Context, o options, dir string, w io.Writer) (retErr error) {
	work, err := os.MkdirTemp("", "benchdaemon-passes")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	shards, err := newShards(work, o.shoots, 1)
	if err != nil {
		return err
	}
	s := shards[0]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	l, err := startLandscape(ctx, o, shards, work)
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, l.stop()) }()

	// As serve: the client limits, the reconciler's options, no Events.
	cfg := rest.CopyConfig(l.env.Config)
	cfg.QPS, cfg.Burst = 50, 100
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 l.env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	ropts := reconciler.DefaultOptions()
	ropts.CacheDir, ropts.GatePollInterval = filepath.Join(work, "cache"), o.gatePoll
	r := reconciler.NewFleetReconciler(mgr.GetClient(), mgr.GetAPIReader(), nil, nil, ropts)
	if err := r.SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: 4, SkipNameValidation: ptr.To(true)}); err != nil {
		return fmt.Errorf("set up the reconciler: %w", err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			retErr = errors.Join(retErr, fmt.Errorf("reconciler manager: %w", err))
		}
	}()

	logf("reconciling in this process until the Fleet is Ready")
	start := time.Now()
	if err := waitFleet(ctx, l, s.key, o.readyTimeout, func(f *v1alpha1.Fleet) bool {
		_, ready := fleetDone(f, s.revision, s.objects, s.shoots)
		return ready
	}); err != nil {
		return err
	}
	logf("Ready after %s; profiling %d passes at GOGC=%d", seconds(time.Since(start)), o.passes, o.profileGOGC)

	defer debug.SetGCPercent(debug.SetGCPercent(o.profileGOGC))
	runtime.GC()
	baseLive := liveHeap()
	if err := writeHeapProfile(filepath.Join(dir, "baseline.pprof")); err != nil {
		return err
	}
	passes0, err := passCount(s.key)
	if err != nil {
		return err
	}
	peak := watchPeak()
	// A pass at a low GOGC, beside the simulator, can take minutes on a
	// loaded machine.
	bound := time.Duration(o.passes) * (time.Duration(1.2*float64(o.interval)) + 3*time.Minute)
	err = waitPasses(ctx, s.key, passes0+float64(o.passes), bound)
	peakLive, profile := peak.stop()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "peak.pprof"), profile, 0o644); err != nil {
		return fmt.Errorf("write heap profile: %w", err)
	}
	fmt.Fprintf(w, "\npass profile: %d shoots, %d objects, GOGC=%d, in process (reconciler and simulator)\n\n", o.shoots, s.objects, o.profileGOGC)
	fmt.Fprintf(w, "live heap idle after Ready: %s; largest live heap in %d passes: %s (+%s)\n",
		mib(int64(baseLive)), o.passes, mib(int64(peakLive)), mib(int64(peakLive)-int64(baseLive)))
	fmt.Fprintf(w, "go tool pprof -top -diff_base %s %s\n",
		filepath.Join(dir, "baseline.pprof"), filepath.Join(dir, "peak.pprof"))
	return nil
}

// peakWatcher keeps the heap profile of the collection that saw the largest
// live heap.
type peakWatcher struct {
	done    chan struct{}
	stopped chan struct{}
	mu      sync.Mutex
	live    uint64
	profile []byte
}

func watchPeak() *peakWatcher {
	p := &peakWatcher{done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(p.stopped)
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
		var lastCycle uint64
		for {
			metrics.Read(s)
			// A heap profile's in-use figures are as of the last collection:
			// take one right after a collection that saw a new largest heap.
			if cycle, live := s[1].Value.Uint64(), s[0].Value.Uint64(); cycle != lastCycle && live > p.live {
				lastCycle = cycle
				var b bytes.Buffer
				if err := pprof.Lookup("heap").WriteTo(&b, 0); err == nil {
					p.mu.Lock()
					p.live, p.profile = live, b.Bytes()
					p.mu.Unlock()
				}
			}
			select {
			case <-p.done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return p
}

func (p *peakWatcher) stop() (uint64, []byte) {
	close(p.done)
	<-p.stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live, p.profile
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// passCount reads how many passes of the Fleet the in-process reconciler
// finished, from the registry its metrics are in.
func passCount(key types.NamespacedName) (float64, error) {
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return 0, fmt.Errorf("gather metrics: %w", err)
	}
	for _, mf := range families {
		if mf.GetName()+"_count" != passesMetric {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["namespace"] == key.Namespace && labels["name"] == key.Name {
				return float64(m.GetHistogram().GetSampleCount()), nil
			}
		}
	}
	return 0, fmt.Errorf("no %s sample of Fleet %s", passesMetric, key)
}

// waitPasses waits until the in-process reconciler finished want passes.
func waitPasses(ctx context.Context, key types.NamespacedName, want float64, bound time.Duration) error {
	deadline := time.Now().Add(bound)
	for {
		n, err := passCount(key)
		if err != nil {
			return err
		}
		if n >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("passes: %v of %v within %s", n, want, bound)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// waitFleet polls the Fleet every 2 s until done says so, for at most bound.
func waitFleet(ctx context.Context, l *landscape, key types.NamespacedName, bound time.Duration, done func(*v1alpha1.Fleet) bool) error {
	deadline := time.Now().Add(bound)
	last := ""
	for {
		f := &v1alpha1.Fleet{}
		if err := l.env.Client.Get(ctx, key, f); err != nil {
			return fmt.Errorf("get Fleet %s: %w", key, err)
		}
		if done(f) {
			return nil
		}
		last = conditionString(readyCondition(f))
		if time.Now().After(deadline) {
			return fmt.Errorf("the Fleet was not done within %s: Ready=%s", bound, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}
