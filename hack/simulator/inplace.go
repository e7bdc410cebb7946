package simulator

import (
	"context"
	"fmt"
	"slices"
	"time"

	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// poolsSeen is what the pools of a shoot ran at the start of its last operation: per
// pool, its Kubernetes and machine image version.
type poolsSeen struct {
	uid   types.UID
	pools map[string]string
}

func poolVersions(s *shoot) map[string]string {
	out := map[string]string{}
	for _, w := range s.Spec.Provider.Workers {
		k8s := s.Spec.Kubernetes.Version
		if w.Kubernetes != nil && w.Kubernetes.Version != nil {
			k8s = *w.Kubernetes.Version
		}
		image := ""
		if w.Machine.Image != nil && w.Machine.Image.Version != nil {
			image = *w.Machine.Image.Version
		}
		out[w.Name] = k8s + "/" + image
	}
	return out
}

// startInPlace notes in u's status the in-place pools whose versions changed since the
// last operation started, as the gardenlet does when an operation starts; they stay
// pending after the operation succeeded until settleInPlace clears them.
func (r *shootReconciler) startInPlace(key types.NamespacedName, u *unstructured.Unstructured, s *shoot) error {
	now := poolVersions(s)
	r.mu.Lock()
	last, ok := r.rolled[key]
	r.rolled[key] = poolsSeen{uid: u.GetUID(), pools: now}
	delete(r.pending, key)
	r.mu.Unlock()
	if !ok || last.uid != u.GetUID() {
		return nil // first sight: a restarted simulator has no old versions to compare
	}
	pending := &gardencorev1beta1.PendingWorkerUpdates{}
	if s.Status.InPlaceUpdates != nil && s.Status.InPlaceUpdates.PendingWorkerUpdates != nil {
		pending = s.Status.InPlaceUpdates.PendingWorkerUpdates.DeepCopy()
	}
	for _, w := range s.Spec.Provider.Workers {
		if !v1beta1helper.IsUpdateStrategyInPlace(w.UpdateStrategy) || last.pools[w.Name] == now[w.Name] {
			continue
		}
		list := &pending.AutoInPlaceUpdate
		if *w.UpdateStrategy == gardencorev1beta1.ManualInPlaceUpdate {
			list = &pending.ManualInPlaceUpdate
		}
		if !slices.Contains(*list, w.Name) {
			*list = append(*list, w.Name)
		}
	}
	if len(pending.AutoInPlaceUpdate)+len(pending.ManualInPlaceUpdate) == 0 {
		return nil
	}
	m := map[string]any{}
	if len(pending.AutoInPlaceUpdate) > 0 {
		m["autoInPlaceUpdate"] = toAny(pending.AutoInPlaceUpdate)
	}
	if len(pending.ManualInPlaceUpdate) > 0 {
		m["manualInPlaceUpdate"] = toAny(pending.ManualInPlaceUpdate)
	}
	if err := unstructured.SetNestedMap(u.Object, m, "status", "inPlaceUpdates", "pendingWorkerUpdates"); err != nil {
		return fmt.Errorf("set status.inPlaceUpdates: %w", err)
	}
	return nil
}

func toAny(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// settleInPlace clears pending in-place updates Delay after the operation that started
// them succeeded (its nodes updated), unless HoldInPlaceUpdates; it returns how long to
// wait when they are still pending.
func (r *shootReconciler) settleInPlace(ctx context.Context, key types.NamespacedName, u *unstructured.Unstructured, s *shoot, now time.Time) (time.Duration, error) {
	ip := s.Status.InPlaceUpdates
	if ip == nil || ip.PendingWorkerUpdates == nil || s.Status.LastOperation == nil ||
		s.Status.LastOperation.State != gardencorev1beta1.LastOperationStateSucceeded {
		return 0, nil
	}
	r.mu.Lock()
	since, ok := r.pending[key]
	if !ok || since.uid != u.GetUID() {
		since = seenAt{uid: u.GetUID(), at: now}
		r.pending[key] = since
	}
	r.mu.Unlock()
	if r.sim.Behaviour().HoldInPlaceUpdates {
		return r.opts.Resync, nil
	}
	if left := since.at.Add(r.opts.Delay).Sub(now); left > 0 {
		return r.wait(left), nil
	}
	orig := u.DeepCopy()
	unstructured.RemoveNestedField(u.Object, "status", "inPlaceUpdates")
	if err := r.client.Status().Patch(ctx, u, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}), client.FieldOwner(FieldManager)); err != nil {
		return 0, fmt.Errorf("clear status.inPlaceUpdates: %w", err)
	}
	r.mu.Lock()
	delete(r.pending, key)
	r.mu.Unlock()
	return 0, nil
}
