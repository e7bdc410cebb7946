package reconciler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
)

// Options tunes the reconciler.
type Options struct {
	// CacheDir holds a Git cache per Fleet, under <namespace>/<name>.
	CacheDir string
	// GatePollInterval is how often a Fleet is looked at again while shoots
	// are on their way (a step in progress, a dependency upgrading). It is
	// capped by the Fleet's interval.
	GatePollInterval time.Duration
	// Apply tunes server-side apply.
	Apply clusters.ApplyOptions
	// Clock is the time gates and timeouts are measured on.
	Clock clock.PassiveClock
	// Eval bounds the evaluation of each new revision, done in a child
	// process (bounded.Load); zero fields take the defaults, a zero Time
	// none.
	Eval bounded.Limits
	// Jitter spreads requeues so Fleets with one interval do not fetch in
	// lockstep; nil requeues at exactly the interval. It is called from
	// concurrent reconciles.
	Jitter func(time.Duration) time.Duration
	// FleetSelector picks the Fleets a FleetReconciler owns, so several
	// daemons split them between them (Flux's sharding); nil selects all.
	// Any other Fleet is never reconciled, not even its status written.
	FleetSelector labels.Selector
}

// PercentJitter returns a Jitter moving durations by up to ±p of themselves.
func PercentJitter(p float64) func(time.Duration) time.Duration {
	return func(d time.Duration) time.Duration {
		// math/rand/v2's top-level functions are safe for concurrent use.
		return time.Duration(float64(d) * (1 + p*(2*rand.Float64()-1)))
	}
}

// DefaultOptions returns the options the reconciler is meant to run with.
func DefaultOptions() Options {
	return Options{
		GatePollInterval: 30 * time.Second,
		Apply:            clusters.DefaultApplyOptions(),
		Clock:            clock.RealClock{},
		Eval:             bounded.DefaultLimits(),
		Jitter:           PercentJitter(0.05),
	}
}

// engine runs the phases of a pass. FleetReconciler runs it for Fleet
// objects, RunOnce once for flags.
type engine struct {
	// client writes objects and reads them live: unstructured reads of a
	// controller-runtime manager's client bypass its cache.
	client client.Client
	// reader reads the API server, not a cache: Secrets (no cluster-wide
	// Secret informer is started) and every object clusters reads.
	reader   client.Reader
	recorder record.EventRecorder // nil: no Events
	metrics  *Metrics
	opts     Options

	// progress, when set, writes a progress message into the status right
	// away; RunOnce has no status to write.
	progress func(ctx context.Context, sc *scope, msg string)

	mu     sync.Mutex
	fleets map[types.NamespacedName]*fleetState
}

// fleetState is what the reconciler remembers of one Fleet between passes:
// its Git source and the last build, so a pass at an unchanged revision
// neither clones nor renders.
type fleetState struct {
	sourceKey string
	src       *source.Source
	build     *buildResult
	// applied is the build of the last revision applied, kept in force
	// while a newer one cannot be fetched or built.
	applied *buildResult
	// restoreTried is the revision restoreApplied last tried.
	restoreTried string
	// shoots is every shoot's state as the last pass recorded it (see
	// publishShoots); guarded by engine.mu, as the dashboard reads it.
	shoots []v1alpha1.ShootStatus
}

func (e *engine) stateFor(key types.NamespacedName) *fleetState {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fleets == nil {
		e.fleets = map[types.NamespacedName]*fleetState{}
	}
	st, ok := e.fleets[key]
	if !ok {
		st = &fleetState{}
		e.fleets[key] = st
	}
	return st
}

func (e *engine) forget(key types.NamespacedName) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.fleets, key)
}

func (e *engine) cacheDir(f *v1alpha1.Fleet) string {
	return filepath.Join(e.opts.CacheDir, f.Namespace, f.Name)
}

func (e *engine) newScope(ctx context.Context, f *v1alpha1.Fleet) *scope {
	return &scope{
		fleet:   f,
		prev:    *f.Status.DeepCopy(),
		now:     e.opts.Clock.Now(),
		log:     ctrl.LoggerFrom(ctx),
		manager: clusters.NewManager(clusters.WithLiveReads(e.client, e.reader), clusters.Owner{Name: f.Name, Namespace: f.Namespace}),
		state:   e.stateFor(types.NamespacedName{Namespace: f.Namespace, Name: f.Name}),
	}
}

// reconcile runs the phases of one pass in order and stops at the first
// that fails. The result asks for the next pass: at the Fleet's interval, or
// sooner while shoots are on their way.
func (e *engine) reconcile(ctx context.Context, sc *scope) (ctrl.Result, error) {
	// Fetch the revision Git points at; a failure keeps the last applied one in force.
	if err := e.fetch(ctx, sc); err != nil {
		return e.keepInForce(ctx, sc, err)
	}
	// Load and render the fleet at that revision, unless it is the one built
	// last; an invalid fleet keeps the last applied one in force.
	if err := e.buildFleet(ctx, sc); err != nil {
		return e.keepInForce(ctx, sc, err)
	}
	if rev := sc.artifact.Revision; rev != sc.prev.LastAppliedRevision && e.progress != nil {
		e.progress(ctx, sc, "applying revision "+rev)
	}
	// Plan every shoot's next step from its live state and gate it.
	if err := e.plan(ctx, sc); err != nil {
		return ctrl.Result{}, err
	}
	// Apply the objects, with each live shoot's versions as planned.
	if err := e.apply(ctx, sc); err != nil {
		return ctrl.Result{}, err
	}
	sc.state.applied = sc.build
	// Delete what the revision no longer has, within the deletion guard.
	if err := e.prune(ctx, sc); err != nil {
		return ctrl.Result{}, err
	}
	// Look at the shoots' health: a failed or timed-out step stalls its shoot only.
	e.health(sc)
	// Record the new inventory, the revision and each shoot's state.
	e.record(sc)
	return e.requeue(sc), nil
}

// keepInForce keeps the last applied revision in force when the new one
// cannot be had (Git unreachable, an invalid fleet): its objects go through
// plan, apply and health again, so drift is still corrected and upgrade steps
// go on, while the Ready condition reports cause. Nothing is pruned. After a
// restart the revision is rebuilt from the source's cache; without one (a new
// pod), the pass only reports cause until Git answers.
func (e *engine) keepInForce(ctx context.Context, sc *scope, cause error) (ctrl.Result, error) {
	last := sc.state.applied
	if last == nil || last.revision != sc.prev.LastAppliedRevision {
		if last = e.restoreApplied(ctx, sc); last == nil {
			return ctrl.Result{}, cause
		}
	}
	objs, err := selectObjects(last.objects, sc.fleet.Spec.ShootSelector)
	if err != nil {
		return ctrl.Result{}, cause
	}
	attempted := sc.fleet.Status.LastAttemptedRevision
	sc.build, sc.objects, sc.artifact = last, objs, source.Artifact{Revision: last.revision}
	if err := e.plan(ctx, sc); err != nil {
		return ctrl.Result{}, err
	}
	if err := e.apply(ctx, sc); err != nil {
		return ctrl.Result{}, err
	}
	// Nothing is pruned: everything tracked stays tracked.
	kept := inventory.Merge(statusInventory(sc.prev.Inventory), inventory.FromRefs(clusters.Refs(sc.toApply)...))
	sc.inventory = &kept
	e.health(sc)
	e.record(sc)
	sc.fleet.Status.LastAttemptedRevision = attempted
	return ctrl.Result{}, cause
}

// requeue picks when to look again: soon while shoots are on their way, when
// a wave's bake time ends, at the latest after the interval.
func (e *engine) requeue(sc *scope) ctrl.Result {
	after := sc.fleet.GetInterval().Duration
	if sc.gate.Busy && e.opts.GatePollInterval > 0 {
		after = min(after, e.opts.GatePollInterval)
	}
	if sc.gate.Wake > 0 {
		after = min(after, sc.gate.Wake)
	}
	return ctrl.Result{RequeueAfter: after}
}

func (e *engine) jitter(d time.Duration) time.Duration {
	if e.opts.Jitter == nil {
		return d
	}
	return e.opts.Jitter(d)
}

// event records an Event on the Fleet when there is a recorder.
func (e *engine) event(sc *scope, warning bool, reason, format string, args ...any) {
	kind := "Normal"
	if warning {
		kind = "Warning"
	}
	sc.log.V(1).Info("event", "type", kind, "reason", reason, "message", fmt.Sprintf(format, args...))
	if e.recorder == nil || sc.fleet.UID == "" {
		return
	}
	e.recorder.AnnotatedEventf(sc.fleet, map[string]string{
		"gardenfleet.dev/revision": sc.artifact.Revision,
	}, kind, reason, format, args...)
}
