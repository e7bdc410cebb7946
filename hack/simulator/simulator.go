package simulator

import (
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
)

// Annotations the simulator reacts to.
const (
	// FailNextOperationAnnotation, set to "true", makes the shoot's next operation end in
	// lastOperation.state Error; the simulator removes it when it does.
	FailNextOperationAnnotation = "simulator.gardenfleet.dev/fail-next-operation"
	// OperationAnnotation is Gardener's gardener.cloud/operation: "reconcile" and "retry"
	// start an operation without a spec change, "maintain" runs maintenance now.
	OperationAnnotation = "gardener.cloud/operation"
	// ShootFinalizer is the finalizer Gardener puts on every Shoot.
	ShootFinalizer = "gardener"
	// FieldManager is the field manager of every write the simulator makes.
	FieldManager = "gardenlet-simulator"
)

// Kinds the simulator watches.
var (
	ShootGVK        = schema.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot"}
	ProjectGVK      = schema.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Project"}
	CloudProfileGVK = schema.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "CloudProfile"}
	TopologyGVK     = schema.GroupVersionKind{Group: "clabernetes.containerlab.dev", Version: "v1alpha1", Kind: "Topology"}
)

// Options configures the simulator.
type Options struct {
	// Delay is how long a shoot operation stays Processing before it ends; halfway it
	// reports progress 50. Zero ends operations on the next reconcile.
	Delay time.Duration
	// Clock is the time the simulator acts on: operation delays, hibernation schedules and
	// maintenance windows. Tests inject a fake clock and step it.
	Clock clock.PassiveClock
	// Resync bounds how long the simulator waits before looking at a shoot again, so that
	// a stepped fake clock is noticed. Defaults to one second.
	Resync time.Duration
	// Behaviour is what the simulator starts with; Simulator.SetBehaviour changes it.
	Behaviour Behaviour
}

// Behaviour is what the simulated Gardener does beyond plain operations. Tests switch it
// at run time; it applies to every shoot, so tests that change it must not run in parallel.
type Behaviour struct {
	// HoldStarts starts no operation until it is cleared, as a gardenlet that has not
	// picked up a change yet: observedGeneration stays behind and the previous
	// lastOperation, often a Succeeded one, stays.
	HoldStarts bool
	// HoldOperations keeps operations Processing (observedGeneration already set, as
	// Gardener sets it when an operation starts) until it is cleared.
	HoldOperations bool
	// HoldInPlaceUpdates keeps in-place pools pending after their operation succeeded
	// until it is cleared; without it they are done Delay later.
	HoldInPlaceUpdates bool
	// MaintenanceWindows also runs maintenance when the clock enters a shoot's
	// spec.maintenance.timeWindow; without it, only gardener.cloud/operation=maintain does.
	// Gardener's API server gives every shoot a random window and autoUpdate of patch
	// versions, so with it any shoot may move to a newer patch.
	MaintenanceWindows bool
}

// Simulator is a running simulator whose behaviour tests change.
type Simulator struct {
	mu        sync.Mutex
	initial   Behaviour
	behaviour Behaviour
}

// SetBehaviour changes what the simulator does from its next look at each shoot.
func (s *Simulator) SetBehaviour(b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behaviour = b
}

// ClearBehaviour returns to the behaviour the simulator was set up with.
func (s *Simulator) ClearBehaviour() {
	s.SetBehaviour(s.initial)
}

// Behaviour returns the current behaviour.
func (s *Simulator) Behaviour() Behaviour {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.behaviour
}

// DefaultOptions returns the options of the local landscape: a real clock, and operations
// that take long enough to be seen Processing.
func DefaultOptions() Options {
	return Options{Delay: 3 * time.Second, Clock: clock.RealClock{}, Resync: time.Second}
}

// Setup registers the simulator's controllers (shoots, projects, topologies) with mgr and
// returns the simulator. The manager's client must reach the landscape's CRDs.
func Setup(mgr ctrl.Manager, opts Options) (*Simulator, error) {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Resync <= 0 {
		opts.Resync = time.Second
	}
	// Several simulators may run in one test binary, each with its own manager.
	copts := controller.Options{SkipNameValidation: ptr.To(true), MaxConcurrentReconciles: 2}

	sim := &Simulator{initial: opts.Behaviour, behaviour: opts.Behaviour}
	shoots := &shootReconciler{
		client:  mgr.GetClient(),
		opts:    opts,
		sim:     sim,
		ops:     map[types.NamespacedName]*operation{},
		seen:    map[types.NamespacedName]seenAt{},
		maint:   map[types.NamespacedName]seenAt{},
		rolled:  map[types.NamespacedName]poolsSeen{},
		pending: map[types.NamespacedName]seenAt{},
	}
	if err := ctrl.NewControllerManagedBy(mgr).Named("simulator-shoot").
		For(newObject(ShootGVK)).WithOptions(copts).Complete(shoots); err != nil {
		return nil, fmt.Errorf("set up shoot simulator: %w", err)
	}
	if err := ctrl.NewControllerManagedBy(mgr).Named("simulator-project").
		For(newObject(ProjectGVK)).WithOptions(copts).Complete(&projectReconciler{client: mgr.GetClient()}); err != nil {
		return nil, fmt.Errorf("set up project simulator: %w", err)
	}
	if err := ctrl.NewControllerManagedBy(mgr).Named("simulator-topology").
		For(newObject(TopologyGVK)).WithOptions(copts).Complete(&topologyReconciler{client: mgr.GetClient()}); err != nil {
		return nil, fmt.Errorf("set up topology simulator: %w", err)
	}
	return sim, nil
}

func newObject(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

// operation is a shoot operation in flight. It lives in memory: a restarted simulator
// starts the operation again, as a restarted gardenlet would.
type operation struct {
	uid        types.UID
	kind       string // Gardener's operation type: Create, Reconcile, Delete, Migrate, Restore
	generation int64
	started    time.Time
	fail       bool
}

// seenAt remembers a time per shoot; the UID tells a recreated shoot from the old one.
type seenAt struct {
	uid types.UID
	at  time.Time
}
