package clusters

import (
	"context"
	"errors"
	"fmt"

	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// DryRunOptions tunes DryRun.
type DryRunOptions struct {
	// Concurrency is how many objects are dry-run at once.
	Concurrency int
}

// DefaultDryRunOptions returns the options DryRun is meant to run with.
func DefaultDryRunOptions() DryRunOptions {
	return DryRunOptions{Concurrency: 8}
}

// DryRun asks the API server what Apply would do, without changing anything:
// each object is server-side applied as a dry run (validation and admission
// included) and compared with the live one, giving Created, Configured or
// Unchanged. It sends exactly what Apply would (ownership labels, digest,
// Gardener's fields preserved), so Configured means Apply would write: drift.
//
// An object in a Namespace, or of a kind, that the same objs create cannot be
// validated before they exist; it is reported Created with a Message saying
// so. Other failures are returned joined, with the entries of the objects
// that did dry-run.
func (m *Manager) DryRun(ctx context.Context, objs []Object, opts DryRunOptions) (*ChangeSet, error) {
	if opts.Concurrency < 1 {
		opts.Concurrency = DefaultDryRunOptions().Concurrency
	}
	// Report in the order Apply would apply.
	var prepared []*unstructured.Unstructured
	for _, stage := range inApplyOrder(objs) {
		for _, o := range stage {
			u, err := o.Decode()
			if err != nil {
				return &ChangeSet{}, err
			}
			prepared = append(prepared, m.labelled(u))
		}
	}
	newNamespaces, newKinds := definedBy(prepared)

	entries := make([]ChangeSetEntry, len(prepared))
	errs := make([]error, len(prepared))
	forEach(len(prepared), opts.Concurrency, func(i int) {
		entries[i], errs[i] = m.dryRunOne(ctx, prepared[i], newNamespaces, newKinds)
	})

	cs := &ChangeSet{}
	for i := range prepared {
		if errs[i] == nil {
			cs.Entries = append(cs.Entries, entries[i])
		}
	}
	return cs, errors.Join(errs...)
}

func (m *Manager) dryRunOne(ctx context.Context, obj *unstructured.Unstructured, newNamespaces map[string]bool, newKinds map[schema.GroupKind]bool) (ChangeSetEntry, error) {
	ref := inventory.RefOf(obj)
	notYet := func(err error) (ChangeSetEntry, bool) {
		gk := obj.GroupVersionKind().GroupKind()
		switch {
		case newKinds[gk] && meta.IsNoMatchError(err):
			return ChangeSetEntry{Ref: ref, Action: Created,
				Message: fmt.Sprintf("not validated: kind %s is defined by a CustomResourceDefinition of this apply", gk)}, true
		case newNamespaces[obj.GetNamespace()] && apierrors.IsNotFound(err):
			return ChangeSetEntry{Ref: ref, Action: Created,
				Message: fmt.Sprintf("not validated: namespace %s is created by this apply", obj.GetNamespace())}, true
		}
		return ChangeSetEntry{}, false
	}

	var live *unstructured.Unstructured
	if isShoot(obj) {
		// Only Shoots need the live object here: for Gardener's fields.
		var err error
		if live, err = m.Live(ctx, obj); err != nil {
			if e, ok := notYet(err); ok {
				return e, nil
			}
			return ChangeSetEntry{}, &ObjectError{Ref: ref, Op: "get", Err: err}
		}
	}
	adjusted, notes, err := settle(obj, live)
	if err != nil {
		return ChangeSetEntry{}, &ObjectError{Ref: ref, Op: "dry-run", Err: err}
	}
	if adjusted == obj {
		// obj shares its spec with the caller's object, and ssa's Diff may
		// drop a CRD's caBundle in place.
		adjusted = obj.DeepCopy()
	}
	e, _, _, err := m.rm.Diff(ctx, adjusted, ssa.DiffOptions{})
	if err != nil {
		if e, ok := notYet(err); ok {
			return e, nil
		}
		if isImmutable(err) {
			return ChangeSetEntry{}, &ImmutableFieldError{Ref: ref, Err: err}
		}
		return ChangeSetEntry{}, &ObjectError{Ref: ref, Op: "dry-run", Err: err}
	}
	return ChangeSetEntry{Ref: ref, Action: fromSSA(e.Action), Notes: notes}, nil
}

// definedBy returns the namespaces and kinds that objs themselves create.
func definedBy(objs []*unstructured.Unstructured) (map[string]bool, map[schema.GroupKind]bool) {
	namespaces := map[string]bool{}
	kinds := map[schema.GroupKind]bool{}
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		switch {
		case gvk.Group == "" && gvk.Kind == "Namespace":
			namespaces[o.GetName()] = true
		case gvk.GroupKind() == projectGVK.GroupKind():
			// Gardener's project controller makes the namespace, by default garden-<name>.
			ns, _, _ := unstructured.NestedString(o.Object, "spec", "namespace")
			if ns == "" {
				ns = "garden-" + o.GetName()
			}
			namespaces[ns] = true
		case gvk.GroupKind() == crdGVK.GroupKind():
			group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
			kinds[schema.GroupKind{Group: group, Kind: kind}] = true
		}
	}
	return namespaces, kinds
}
