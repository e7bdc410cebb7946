package simulator

import (
	"context"
	"fmt"
	"sync"
	"time"

	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// Operation states and types, as in Gardener's lastOperation.
const (
	StateProcessing = "Processing"
	StateSucceeded  = "Succeeded"
	StateError      = "Error"

	OperationCreate    = "Create"
	OperationReconcile = "Reconcile"
	OperationDelete    = "Delete"
)

// shoot is a Shoot as the simulator reads it: Gardener's own type.
type shoot = gardencorev1beta1.Shoot

func hibernationEnabled(s *shoot) bool {
	return s.Spec.Hibernation != nil && s.Spec.Hibernation.Enabled != nil && *s.Spec.Hibernation.Enabled
}

func schedules(s *shoot) []HibernationSchedule {
	if s.Spec.Hibernation == nil {
		return nil
	}
	return s.Spec.Hibernation.Schedules
}

// shootReconciler plays the gardenlet and Gardener's hibernation and maintenance
// controllers for one shoot at a time.
type shootReconciler struct {
	client client.Client
	opts   Options
	sim    *Simulator

	mu    sync.Mutex
	ops   map[types.NamespacedName]*operation
	seen  map[types.NamespacedName]seenAt // last time hibernation schedules were evaluated
	maint map[types.NamespacedName]seenAt // start of the last maintenance window acted on
	// rolled are the pool versions as of the last operation's start; pending is when
	// in-place updates were first seen pending after their operation succeeded.
	rolled  map[types.NamespacedName]poolsSeen
	pending map[types.NamespacedName]seenAt
}

// Reconcile guards and hands off: deletion, finalizer, hibernation, maintenance, operation.
func (r *shootReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	u := newObject(ShootGVK)
	if err := r.client.Get(ctx, req.NamespacedName, u); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get shoot: %w", err)
	}
	s := &shoot{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, s); err != nil {
		return ctrl.Result{}, fmt.Errorf("decode shoot: %w", err)
	}
	now := r.opts.Clock.Now()

	if u.GetDeletionTimestamp() != nil {
		return r.reconcileDelete(ctx, req.NamespacedName, u, now)
	}
	if !controllerutil.ContainsFinalizer(u, ShootFinalizer) {
		orig := u.DeepCopy()
		controllerutil.AddFinalizer(u, ShootFinalizer)
		if err := r.patch(ctx, u, orig); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
		return ctrl.Result{}, nil
	}

	// A schedule that fires changes the spec, which starts an operation of its own.
	if changed, err := r.hibernate(ctx, req.NamespacedName, u, s, now); err != nil || changed {
		return ctrl.Result{}, err
	}
	if changed, err := r.maintain(ctx, req.NamespacedName, u, s, now); err != nil || changed {
		return ctrl.Result{}, err
	}
	res, err := r.operate(ctx, req.NamespacedName, u, s, now)
	if err != nil {
		return ctrl.Result{}, err
	}
	return r.nextLook(res, s, now), nil
}

// nextLook requeues in time for the next hibernation event or maintenance window, never
// later than Resync so that a stepped fake clock is noticed.
func (r *shootReconciler) nextLook(res ctrl.Result, s *shoot, now time.Time) ctrl.Result {
	watch := len(schedules(s)) > 0 ||
		(r.sim.Behaviour().MaintenanceWindows && s.Spec.Maintenance != nil && s.Spec.Maintenance.TimeWindow != nil)
	if !watch {
		return res
	}
	after := r.opts.Resync
	if next, err := NextHibernationEvent(schedules(s), now); err == nil && !next.IsZero() && next.Sub(now) < after {
		after = max(next.Sub(now), time.Millisecond)
	}
	if res.RequeueAfter == 0 || after < res.RequeueAfter {
		res.RequeueAfter = after
	}
	return res
}

// hibernate flips spec.hibernation.enabled when a schedule fired since the last look.
func (r *shootReconciler) hibernate(ctx context.Context, key types.NamespacedName, u *unstructured.Unstructured, s *shoot, now time.Time) (bool, error) {
	schedules := schedules(s)
	r.mu.Lock()
	last, ok := r.seen[key]
	if len(schedules) == 0 {
		delete(r.seen, key)
	}
	r.mu.Unlock()
	if len(schedules) == 0 {
		return false, nil
	}
	remember := func() {
		r.mu.Lock()
		r.seen[key] = seenAt{uid: u.GetUID(), at: now}
		r.mu.Unlock()
	}
	// The first look only marks the start: schedules act from when they are seen.
	if !ok || last.uid != u.GetUID() || now.Before(last.at) {
		remember()
		return false, nil
	}
	enabled, fired, err := HibernationAt(schedules, last.at, now)
	if err != nil {
		// The CRD admits cron specs robfig/cron may still refuse; such a shoot never flips.
		ctrl.LoggerFrom(ctx).Info("ignoring hibernation schedules", "error", err.Error())
		remember()
		return false, nil
	}
	if !fired || enabled == hibernationEnabled(s) {
		remember()
		return false, nil
	}
	orig := u.DeepCopy()
	if err := unstructured.SetNestedField(u.Object, enabled, "spec", "hibernation", "enabled"); err != nil {
		return false, fmt.Errorf("set spec.hibernation.enabled: %w", err)
	}
	if err := r.patch(ctx, u, orig); err != nil {
		return false, fmt.Errorf("flip spec.hibernation.enabled to %t: %w", enabled, err)
	}
	remember()
	return true, nil
}

// maintain runs Gardener's maintenance on gardener.cloud/operation=maintain or, with
// MaintenanceWindows, once per time window: versions move as MaintainedVersion says, and
// the shoot is always reconciled (gardener.cloud/operation=reconcile), which also rolls out
// spec changes that spec.maintenance.confineSpecUpdateRollout held back.
func (r *shootReconciler) maintain(ctx context.Context, key types.NamespacedName, u *unstructured.Unstructured, s *shoot, now time.Time) (bool, error) {
	requested := u.GetAnnotations()[OperationAnnotation] == "maintain"
	due := false
	if r.sim.Behaviour().MaintenanceWindows && s.Spec.Maintenance != nil && s.Spec.Maintenance.TimeWindow != nil {
		in, start, err := InMaintenanceWindow(s.Spec.Maintenance.TimeWindow.Begin, s.Spec.Maintenance.TimeWindow.End, now)
		if err != nil {
			ctrl.LoggerFrom(ctx).Info("ignoring maintenance time window", "error", err.Error())
		}
		r.mu.Lock()
		if last := r.maint[key]; in && (last.uid != u.GetUID() || !last.at.Equal(start)) {
			r.maint[key] = seenAt{uid: u.GetUID(), at: start}
			due = true
		}
		r.mu.Unlock()
	}
	if !requested && !due {
		return false, nil
	}

	orig := u.DeepCopy()
	annotations := u.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[OperationAnnotation] = "reconcile"
	u.SetAnnotations(annotations)
	autoUpdate := s.Spec.Maintenance != nil && s.Spec.Maintenance.AutoUpdate != nil && s.Spec.Maintenance.AutoUpdate.KubernetesVersion
	if err := r.maintainVersions(ctx, u, s, autoUpdate); err != nil {
		return false, err
	}
	if err := r.patch(ctx, u, orig); err != nil {
		return false, fmt.Errorf("maintain: %w", err)
	}
	return true, nil
}

func (r *shootReconciler) maintainVersions(ctx context.Context, u *unstructured.Unstructured, s *shoot, autoUpdate bool) error {
	if s.Spec.CloudProfile == nil || (s.Spec.CloudProfile.Kind != "" && s.Spec.CloudProfile.Kind != CloudProfileGVK.Kind) {
		return nil
	}
	profile := newObject(CloudProfileGVK)
	if err := r.client.Get(ctx, types.NamespacedName{Name: s.Spec.CloudProfile.Name}, profile); err != nil {
		return fmt.Errorf("maintain: get CloudProfile/%s: %w", s.Spec.CloudProfile.Name, err)
	}
	cp := &gardencorev1beta1.CloudProfile{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(profile.Object, cp); err != nil {
		return fmt.Errorf("maintain: decode CloudProfile/%s: %w", profile.GetName(), err)
	}
	versions := cp.Spec.Kubernetes.Versions

	controlPlane, err := MaintainedVersion(versions, s.Spec.Kubernetes.Version, autoUpdate)
	if err != nil {
		// Gardener's maintenance logs it and goes on with the pools.
		ctrl.LoggerFrom(ctx).Info("not maintaining the control plane version", "error", err.Error())
		controlPlane = s.Spec.Kubernetes.Version
	}
	if err := unstructured.SetNestedField(u.Object, controlPlane, "spec", "kubernetes", "version"); err != nil {
		return fmt.Errorf("maintain: set spec.kubernetes.version: %w", err)
	}
	workers, found, err := unstructured.NestedSlice(u.Object, "spec", "provider", "workers")
	if err != nil || !found {
		return err
	}
	for i, w := range s.Spec.Provider.Workers {
		if w.Kubernetes == nil || w.Kubernetes.Version == nil {
			continue
		}
		v, err := MaintainedVersion(versions, *w.Kubernetes.Version, autoUpdate)
		if err != nil {
			ctrl.LoggerFrom(ctx).Info("not maintaining a pool's version", "pool", w.Name, "error", err.Error())
			continue
		}
		if err := unstructured.SetNestedField(workers[i].(map[string]any), v, "kubernetes", "version"); err != nil {
			return fmt.Errorf("maintain: set pool %s version: %w", w.Name, err)
		}
	}
	return unstructured.SetNestedSlice(u.Object, workers, "spec", "provider", "workers")
}

// operate runs a shoot operation as the gardenlet does: when it starts, observedGeneration
// is the shoot's generation and the operation Processing; progress 50 halfway; then, after
// Delay and in a later second than the start (lastUpdateTime has whole seconds), Succeeded,
// or Error when asked to.
func (r *shootReconciler) operate(ctx context.Context, key types.NamespacedName, u *unstructured.Unstructured, s *shoot, now time.Time) (ctrl.Result, error) {
	annotations := u.GetAnnotations()
	triggered := annotations[OperationAnnotation] == "reconcile" || annotations[OperationAnnotation] == "retry"
	// A Processing operation with none in memory is one a restarted simulator resumes.
	pending := s.Status.LastOperation == nil || s.Status.ObservedGeneration != u.GetGeneration() ||
		s.Status.LastOperation.State == gardencorev1beta1.LastOperationStateProcessing

	r.mu.Lock()
	op := r.ops[key]
	// A newer spec supersedes the operation in flight, which starts over.
	if op != nil && (op.uid != u.GetUID() || op.generation != u.GetGeneration() || op.kind == OperationDelete) {
		op = nil
	}
	r.mu.Unlock()

	if op == nil {
		if !pending && !triggered {
			wait, err := r.settleInPlace(ctx, key, u, s, now)
			return ctrl.Result{RequeueAfter: wait}, err
		}
		if r.sim.Behaviour().HoldStarts {
			return ctrl.Result{RequeueAfter: r.opts.Resync}, nil
		}
		kind := string(v1beta1helper.ComputeOperationType(s.ObjectMeta, s.Status.LastOperation))
		op = &operation{uid: u.GetUID(), kind: kind, generation: u.GetGeneration(), started: now, fail: annotations[FailNextOperationAnnotation] == "true"}
		r.mu.Lock()
		r.ops[key] = op
		r.mu.Unlock()
		if triggered {
			orig := u.DeepCopy()
			delete(annotations, OperationAnnotation)
			u.SetAnnotations(annotations)
			if err := r.patch(ctx, u, orig); err != nil {
				return ctrl.Result{}, fmt.Errorf("remove %s annotation: %w", OperationAnnotation, err)
			}
		}
		base := u.DeepCopy()
		if err := r.startInPlace(key, u, s); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.writeOperation(ctx, u, base, op, StateProcessing, 0, now); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: r.wait(r.opts.Delay / 2)}, nil
	}

	if r.sim.Behaviour().HoldOperations {
		return ctrl.Result{RequeueAfter: r.opts.Resync}, nil
	}
	elapsed := now.Sub(op.started)
	// The end is stamped in a later second than the start, as any real operation is.
	end := op.started.Truncate(time.Second).Add(time.Second)
	switch {
	case elapsed >= r.opts.Delay && now.Before(end):
		return ctrl.Result{RequeueAfter: r.wait(end.Sub(now))}, nil
	case elapsed >= r.opts.Delay:
		return ctrl.Result{}, r.finish(ctx, key, u, s, op, now)
	case elapsed >= r.opts.Delay/2:
		if s.Status.LastOperation == nil || s.Status.LastOperation.Progress < 50 {
			if err := r.writeOperation(ctx, u, nil, op, StateProcessing, 50, now); err != nil {
				return ctrl.Result{}, err
			}
		}
		return ctrl.Result{RequeueAfter: r.wait(r.opts.Delay - elapsed)}, nil
	default:
		return ctrl.Result{RequeueAfter: r.wait(r.opts.Delay/2 - elapsed)}, nil
	}
}

// wait turns a duration on the simulator's clock into a requeue delay: at least a
// millisecond, so a zero delay still comes back, and at most Resync.
func (r *shootReconciler) wait(d time.Duration) time.Duration {
	return min(max(d, time.Millisecond), r.opts.Resync)
}

func (r *shootReconciler) finish(ctx context.Context, key types.NamespacedName, u *unstructured.Unstructured, s *shoot, op *operation, now time.Time) error {
	if op.fail {
		if err := r.writeOperation(ctx, u, nil, op, StateError, 50, now); err != nil {
			return err
		}
		// The annotation asked for one failure; the next operation may succeed.
		annotations := u.GetAnnotations()
		if _, ok := annotations[FailNextOperationAnnotation]; ok {
			orig := u.DeepCopy()
			delete(annotations, FailNextOperationAnnotation)
			u.SetAnnotations(annotations)
			if err := r.patch(ctx, u, orig); err != nil {
				return fmt.Errorf("remove %s annotation: %w", FailNextOperationAnnotation, err)
			}
		}
	} else {
		base := u.DeepCopy()
		hibernated := hibernationEnabled(s)
		if err := unstructured.SetNestedField(u.Object, hibernated, "status", "hibernated"); err != nil {
			return fmt.Errorf("set status.hibernated: %w", err)
		}
		if err := setConditions(u, len(s.Spec.Provider.Workers) == 0, hibernated, now); err != nil {
			return err
		}
		if err := r.writeOperation(ctx, u, base, op, StateSucceeded, 100, now); err != nil {
			return err
		}
	}
	r.mu.Lock()
	delete(r.ops, key)
	r.mu.Unlock()
	return nil
}

// writeOperation patches status.lastOperation and observedGeneration together with
// whatever the caller changed in u's status since base.
func (r *shootReconciler) writeOperation(ctx context.Context, u, base *unstructured.Unstructured, op *operation, state string, progress int64, now time.Time) error {
	orig := base
	if orig == nil {
		orig = u.DeepCopy()
	}
	orig = orig.DeepCopy()
	// Always send the whole lastOperation, so the patch never merges into a stale one.
	unstructured.RemoveNestedField(orig.Object, "status", "lastOperation")
	description := map[string]string{
		StateProcessing: fmt.Sprintf("%s of Shoot cluster in progress.", op.kind),
		StateSucceeded:  fmt.Sprintf("Shoot cluster has been successfully %s.", pastTense(op.kind)),
		StateError:      fmt.Sprintf("%s of Shoot cluster failed: simulated failure (%s).", op.kind, FailNextOperationAnnotation),
	}[state]
	last := map[string]any{
		"type":           op.kind,
		"state":          state,
		"progress":       progress,
		"description":    description,
		"lastUpdateTime": now.UTC().Format(time.RFC3339),
	}
	if err := unstructured.SetNestedMap(u.Object, last, "status", "lastOperation"); err != nil {
		return fmt.Errorf("set status.lastOperation: %w", err)
	}
	if op.kind != OperationDelete {
		if err := unstructured.SetNestedField(u.Object, op.generation, "status", "observedGeneration"); err != nil {
			return fmt.Errorf("set status.observedGeneration: %w", err)
		}
	}
	if err := r.client.Status().Patch(ctx, u, client.MergeFrom(orig), client.FieldOwner(FieldManager)); err != nil {
		return fmt.Errorf("write lastOperation %s %s: %w", op.kind, state, err)
	}
	return nil
}

func pastTense(kind string) string {
	switch kind {
	case OperationCreate:
		return "created"
	case OperationDelete:
		return "deleted"
	default:
		return "reconciled"
	}
}

// setConditions sets the health conditions a healthy shoot reports. Workerless shoots
// have no nodes and no system components, so they report only the control plane's.
func setConditions(u *unstructured.Unstructured, workerless, hibernated bool, now time.Time) error {
	old, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	previous := map[string]map[string]any{}
	for _, c := range old {
		if m, ok := c.(map[string]any); ok {
			t, _ := m["type"].(string)
			previous[t] = m
		}
	}
	type cond struct{ typ, reason, message string }
	want := []cond{
		{"APIServerAvailable", "HealthzRequestSucceeded", "API server /healthz endpoint responded with success status code."},
		{"ControlPlaneHealthy", "ControlPlaneRunning", "All control plane components are healthy."},
	}
	if !workerless {
		want = append(want,
			cond{"EveryNodeReady", "EveryNodeReady", "All nodes are ready."},
			cond{"SystemComponentsHealthy", "SystemComponentsRunning", "All system components are healthy."})
	}
	if hibernated {
		for i := range want {
			want[i].reason, want[i].message = "ShootHibernated", "Shoot cluster is hibernated."
		}
	}
	stamp := metav1.NewTime(now).UTC().Format(time.RFC3339)
	conditions := make([]any, 0, len(want))
	for _, w := range want {
		transition := stamp
		if p, ok := previous[w.typ]; ok && p["status"] == "True" {
			if t, ok := p["lastTransitionTime"].(string); ok {
				transition = t
			}
		}
		conditions = append(conditions, map[string]any{
			"type":               w.typ,
			"status":             "True",
			"reason":             w.reason,
			"message":            w.message,
			"lastTransitionTime": transition,
			"lastUpdateTime":     stamp,
		})
	}
	if err := unstructured.SetNestedSlice(u.Object, conditions, "status", "conditions"); err != nil {
		return fmt.Errorf("set status.conditions: %w", err)
	}
	return nil
}

// reconcileDelete runs the Delete operation of a confirmed deletion, then releases the
// finalizer.
func (r *shootReconciler) reconcileDelete(ctx context.Context, key types.NamespacedName, u *unstructured.Unstructured, now time.Time) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(u, ShootFinalizer) {
		return ctrl.Result{}, nil
	}
	r.mu.Lock()
	op := r.ops[key]
	if op == nil || op.kind != OperationDelete || op.uid != u.GetUID() {
		op = &operation{uid: u.GetUID(), kind: OperationDelete, generation: u.GetGeneration(), started: now}
		r.ops[key] = op
		r.mu.Unlock()
		if err := r.writeOperation(ctx, u, nil, op, StateProcessing, 0, now); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: r.wait(r.opts.Delay)}, nil
	}
	r.mu.Unlock()
	if elapsed := now.Sub(op.started); elapsed < r.opts.Delay {
		return ctrl.Result{RequeueAfter: r.wait(r.opts.Delay - elapsed)}, nil
	}
	orig := u.DeepCopy()
	controllerutil.RemoveFinalizer(u, ShootFinalizer)
	if err := r.patch(ctx, u, orig); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("remove finalizer: %w", err)
	}
	r.forget(key)
	return ctrl.Result{}, nil
}

// patch writes u's changes against orig, failing on a concurrent change rather than
// overwriting it; the conflict makes controller-runtime retry with the fresh object.
func (r *shootReconciler) patch(ctx context.Context, u, orig *unstructured.Unstructured) error {
	return r.client.Patch(ctx, u, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}), client.FieldOwner(FieldManager))
}

func (r *shootReconciler) forget(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ops, key)
	delete(r.seen, key)
	delete(r.maint, key)
	delete(r.rolled, key)
	delete(r.pending, key)
}
