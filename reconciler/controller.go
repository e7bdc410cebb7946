package reconciler

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/predicates"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
)

// ControllerName names the controller, its Events' source and its logs.
const ControllerName = "gardenfleet"

// FleetReconciler reconciles Fleet objects.
type FleetReconciler struct {
	engine
	// fleets reads and patches Fleet objects; a manager's cached client.
	fleets client.Client
}

// NewFleetReconciler returns a reconciler using c for Fleets and for the
// objects it applies (unstructured reads of a manager's client go to the API
// server, not a cache), reader for Secrets, and recorder for Events.
// A nil metrics is DefaultMetrics.
func NewFleetReconciler(c client.Client, reader client.Reader, recorder record.EventRecorder, metrics *Metrics, opts Options) *FleetReconciler {
	if metrics == nil {
		metrics = DefaultMetrics()
	}
	defaults := DefaultOptions()
	if opts.Clock == nil {
		opts.Clock = defaults.Clock
	}
	if opts.GatePollInterval == 0 {
		opts.GatePollInterval = defaults.GatePollInterval
	}
	if opts.Apply == (clusters.ApplyOptions{}) {
		opts.Apply = defaults.Apply
	}
	r := &FleetReconciler{
		engine: engine{client: c, reader: reader, recorder: recorder, metrics: metrics, opts: opts},
		fleets: c,
	}
	r.progress = r.reportProgress
	return r
}

// SetupWithManager registers the reconciler with mgr. A Fleet is reconciled
// when its spec or labels change, when the reconcile-now annotation is set,
// and at the intervals it asks for; status updates do not trigger it. Only
// Fleets of Options.FleetSelector are reconciled.
func (r *FleetReconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	changed := predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{},
		// A Fleet labelled into this shard is reconciled at once; one
		// labelled out is forgotten.
		predicate.LabelChangedPredicate{})
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&v1alpha1.Fleet{}, builder.WithPredicates(changed)).
		WithOptions(opts).
		Complete(r)
}

// selects tells whether f belongs to this daemon's shard.
func (r *FleetReconciler) selects(f *v1alpha1.Fleet) bool {
	return r.opts.FleetSelector == nil || r.opts.FleetSelector.Matches(labels.Set(f.Labels))
}

// Reconcile holds the guards of a pass: get the Fleet, patch its status and
// metrics once at the end, honour suspend and the reconcile-now annotation.
// The phases are in engine.reconcile.
func (r *FleetReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	start := r.opts.Clock.Now()
	f := &v1alpha1.Fleet{}
	err := r.fleets.Get(ctx, req.NamespacedName, f)
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("get fleet: %w", err)
	}
	// Deleting a Fleet leaves what it applied in place. NOTE: the selector
	// is checked on every pass, not by a watch predicate alone: a Fleet
	// labelled out of this daemon's shard may still be queued (its
	// interval), and another daemon owns it now.
	if err != nil || !r.selects(f) {
		r.forget(req.NamespacedName)
		r.metrics.forget(req.Namespace, req.Name)
		return ctrl.Result{}, nil
	}
	sc := r.newScope(ctx, f)
	sc.written = f.DeepCopy()

	// The one status patch and metrics write of the pass, whatever happened.
	defer func() {
		// NOTE: a panic must not pass for success: controller-runtime would
		// recover it with retErr still nil, and the Fleet would read Ready.
		if p := recover(); p != nil {
			retErr = fmt.Errorf("reconcile panicked: %v", p)
			sc.log.Error(retErr, "panic", "stack", string(debug.Stack()))
		}
		if !f.Spec.Suspend {
			r.finish(sc, retErr)
			if retErr != nil && !isTerminal(retErr) {
				sc.log.Error(retErr, "reconcile failed", "revision", sc.artifact.Revision)
			}
			// Terminal errors wait for a change, polled at the interval.
			if isTerminal(retErr) {
				result, retErr = ctrl.Result{RequeueAfter: r.jitter(f.GetInterval().Duration)}, nil
			}
		}
		if err := r.patchStatus(ctx, sc.written, f); err != nil {
			retErr = errors.Join(retErr, err)
		}
		r.metrics.observe(f, r.opts.Clock.Since(start), retErr, r.opts.Clock.Now())
	}()

	if v, ok := meta.ReconcileAnnotationValue(f.GetAnnotations()); ok {
		f.Status.LastHandledReconcileAt = v
	}
	if f.Spec.Suspend {
		conditions.MarkFalse(f, meta.ReadyCondition, SuspendedReason, "reconciliation is suspended")
		return ctrl.Result{}, nil
	}
	res, err := r.reconcile(ctx, sc)
	if err != nil {
		return ctrl.Result{}, err
	}
	res.RequeueAfter = r.jitter(res.RequeueAfter)
	return res, nil
}

// reportProgress marks the Fleet Reconciling with msg and writes the status
// now, so a long pass shows what it is doing. A failed write is only logged:
// the pass writes the status again at its end.
func (r *FleetReconciler) reportProgress(ctx context.Context, sc *scope, msg string) {
	conditions.MarkUnknown(sc.fleet, meta.ReadyCondition, ProgressingReason, "%s", msg)
	conditions.MarkReconciling(sc.fleet, ProgressingReason, "%s", msg)
	if err := r.patchStatus(ctx, sc.written, sc.fleet); err != nil {
		sc.log.Error(err, "report progress")
		return
	}
	sc.written = sc.fleet.DeepCopy()
}

// finish sets the conditions and the parts of the status a failed pass still
// changes.
func (r *FleetReconciler) finish(sc *scope, err error) {
	f := sc.fleet
	f.Status.ObservedGeneration = f.Generation
	if sc.inventory != nil && !sc.done {
		f.Status.Inventory = toStatusInventory(*sc.inventory)
	}
	setConditions(sc, err)
}

// patchStatus writes the status when it changed: a pass that changed
// nothing costs no request.
func (r *FleetReconciler) patchStatus(ctx context.Context, orig, f *v1alpha1.Fleet) error {
	if apiequality.Semantic.DeepEqual(orig.Status, f.Status) {
		return nil
	}
	if err := r.fleets.Status().Patch(ctx, f, client.MergeFrom(orig)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patch fleet status: %w", err)
	}
	return nil
}
