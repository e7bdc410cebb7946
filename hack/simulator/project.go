package simulator

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/hack/landscape"
)

// Labels Gardener's project controller puts on a project namespace.
const (
	ProjectNameLabel = "project.gardener.cloud/name"
	RoleLabel        = "gardener.cloud/role"
)

// projectReconciler plays Gardener's project controller: it creates the project's
// namespace (garden-<name> unless spec.namespace says otherwise) and reports phase Ready.
// It also plays the project's members, who put the landscape's credentials into a new
// project before creating shoots: Ready means Gardener's admission admits a shoot there.
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
	if err := r.ensureCredentials(ctx, ns); err != nil {
		return ctrl.Result{}, err
	}
	// gardener-apiserver's admission reads projects and credentials from informers.
	if err := r.client.Create(ctx, landscape.ProbeShoot(ns), client.DryRunAll); err != nil {
		ctrl.LoggerFrom(ctx).V(1).Info("project not admissible yet", "error", err.Error())
		return ctrl.Result{RequeueAfter: 50 * time.Millisecond}, nil
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

// ensureCredentials creates the landscape's credentials in ns where missing; it never
// changes existing ones.
func (r *projectReconciler) ensureCredentials(ctx context.Context, ns string) error {
	creds, err := landscape.Credentials(ns)
	if err != nil {
		return err
	}
	for _, o := range creds {
		if err := r.client.Create(ctx, o, client.FieldOwner(FieldManager)); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s/%s/%s create failed: %w", o.GetKind(), ns, o.GetName(), err)
		}
	}
	return nil
}
