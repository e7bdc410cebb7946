package simulator

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Labels Gardener's project controller puts on a project namespace.
const (
	ProjectNameLabel = "project.gardener.cloud/name"
	RoleLabel        = "gardener.cloud/role"
)

// projectReconciler plays Gardener's project controller: it creates the project's
// namespace (garden-<name> unless spec.namespace says otherwise) and reports phase Ready.
type projectReconciler struct {
	client client.Client
}

// Reconcile ensures the namespace, then the status.
func (r *projectReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	p := newObject(ProjectGVK)
	if err := r.client.Get(ctx, req.NamespacedName, p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if p.GetDeletionTimestamp() != nil {
		return ctrl.Result{}, nil
	}

	ns, _, _ := unstructured.NestedString(p.Object, "spec", "namespace")
	if ns == "" {
		// Gardener's project controller fills in the default namespace.
		ns = "garden-" + p.GetName()
		orig := p.DeepCopy()
		if err := unstructured.SetNestedField(p.Object, ns, "spec", "namespace"); err != nil {
			return ctrl.Result{}, fmt.Errorf("set spec.namespace: %w", err)
		}
		if err := r.client.Patch(ctx, p, client.MergeFrom(orig), client.FieldOwner(FieldManager)); err != nil {
			return ctrl.Result{}, fmt.Errorf("Project/%s default spec.namespace: %w", p.GetName(), err)
		}
	}

	namespace := &corev1.Namespace{}
	err := r.client.Get(ctx, types.NamespacedName{Name: ns}, namespace)
	switch {
	case apierrors.IsNotFound(err):
		namespace.Name = ns
		namespace.Labels = map[string]string{ProjectNameLabel: p.GetName(), RoleLabel: "project"}
		if err := r.client.Create(ctx, namespace, client.FieldOwner(FieldManager)); err != nil && !apierrors.IsAlreadyExists(err) {
			return ctrl.Result{}, fmt.Errorf("Namespace/%s create failed: %w", ns, err)
		}
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("Namespace/%s get failed: %w", ns, err)
	case namespace.Labels[ProjectNameLabel] != p.GetName() || namespace.Labels[RoleLabel] != "project":
		// An existing namespace is adopted, as Gardener does for namespaces labelled for it.
		orig := namespace.DeepCopy()
		if namespace.Labels == nil {
			namespace.Labels = map[string]string{}
		}
		namespace.Labels[ProjectNameLabel] = p.GetName()
		namespace.Labels[RoleLabel] = "project"
		if err := r.client.Patch(ctx, namespace, client.MergeFrom(orig), client.FieldOwner(FieldManager)); err != nil {
			return ctrl.Result{}, fmt.Errorf("Namespace/%s label failed: %w", ns, err)
		}
	}

	phase, _, _ := unstructured.NestedString(p.Object, "status", "phase")
	observed, _, _ := unstructured.NestedInt64(p.Object, "status", "observedGeneration")
	if phase == "Ready" && observed == p.GetGeneration() {
		return ctrl.Result{}, nil
	}
	orig := p.DeepCopy()
	if err := unstructured.SetNestedField(p.Object, "Ready", "status", "phase"); err != nil {
		return ctrl.Result{}, err
	}
	if err := unstructured.SetNestedField(p.Object, p.GetGeneration(), "status", "observedGeneration"); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.client.Status().Patch(ctx, p, client.MergeFrom(orig), client.FieldOwner(FieldManager)); err != nil {
		return ctrl.Result{}, fmt.Errorf("Project/%s status patch failed: %w", p.GetName(), err)
	}
	return ctrl.Result{}, nil
}
