package simulator

import (
	"context"
	"fmt"

	clabernetesv1alpha1 "github.com/srl-labs/clabernetes/apis/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
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
	status, err := apiruntime.DefaultUnstructuredConverter.ToUnstructured(runningStatus())
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("Topology/%s/%s status: %w", t.GetNamespace(), t.GetName(), err)
	}
	t.Object["status"] = status
	// clabernetes' CRD has no status subresource: its controller writes the object.
	if err := r.client.Patch(ctx, t, client.MergeFrom(orig), client.FieldOwner(FieldManager)); err != nil {
		return ctrl.Result{}, fmt.Errorf("Topology/%s/%s status patch failed: %w", t.GetNamespace(), t.GetName(), err)
	}
	return ctrl.Result{}, nil
}

// runningStatus is what clabernetes reports of a deployed topology, with every field
// its CRD requires (empty where the simulator deploys nothing).
func runningStatus() *clabernetesv1alpha1.TopologyStatus {
	return &clabernetesv1alpha1.TopologyStatus{
		Kind:                 "containerlab",
		RemoveTopologyPrefix: new(false),
		ReconcileHashes:      clabernetesv1alpha1.ReconcileHashes{FilesFromURL: map[string]string{}},
		Configs:              map[string]string{},
		ExposedPorts:         map[string]*clabernetesv1alpha1.ExposedPorts{},
		NodeReadiness:        map[string]string{},
		TopologyReady:        true,
		TopologyState:        "running",
		Conditions:           []metav1.Condition{},
	}
}
