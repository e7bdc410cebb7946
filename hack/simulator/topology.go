package simulator

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// topologyReconciler plays clabernetes: every Topology is deployed and ready at once.
type topologyReconciler struct {
	client client.Client
}

// Reconcile reports the topology running and ready.
func (r *topologyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	t := newObject(TopologyGVK)
	if err := r.client.Get(ctx, req.NamespacedName, t); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	state, _, _ := unstructured.NestedString(t.Object, "status", "topologyState")
	ready, _, _ := unstructured.NestedBool(t.Object, "status", "topologyReady")
	if t.GetDeletionTimestamp() != nil || (state == "running" && ready) {
		return ctrl.Result{}, nil
	}
	orig := t.DeepCopy()
	if err := unstructured.SetNestedField(t.Object, "running", "status", "topologyState"); err != nil {
		return ctrl.Result{}, err
	}
	if err := unstructured.SetNestedField(t.Object, true, "status", "topologyReady"); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.client.Status().Patch(ctx, t, client.MergeFrom(orig), client.FieldOwner(FieldManager)); err != nil {
		return ctrl.Result{}, fmt.Errorf("Topology/%s/%s status patch failed: %w", t.GetNamespace(), t.GetName(), err)
	}
	return ctrl.Result{}, nil
}
