package clusters

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// DeleteOptions tunes Delete.
type DeleteOptions struct {
	// AllowShootDeletion lets Delete delete Shoots, after setting Gardener's
	// deletion confirmation annotation on them. Off, Shoots are reported
	// Skipped and left alone. It mirrors the fleet's own setting.
	AllowShootDeletion bool

	// PropagationPolicy is sent with every delete request.
	PropagationPolicy metav1.DeletionPropagation
}

// DefaultDeleteOptions returns options that never delete a Shoot.
func DefaultDeleteOptions() DeleteOptions {
	return DeleteOptions{PropagationPolicy: metav1.DeletePropagationBackground}
}

// Delete deletes objs in reverse apply order (Namespaces and CRDs last). Only
// objects carrying this Manager's ownership labels are deleted; others are
// Skipped. An object already gone, or already being deleted, is Deleted. A
// Shoot is deleted only when opts allow it, after confirmation; otherwise it
// is Skipped. It returns the entries of the objects handled and the failures
// joined.
func (m *Manager) Delete(ctx context.Context, objs []*unstructured.Unstructured, opts DeleteOptions) (*ChangeSet, error) {
	if opts.PropagationPolicy == "" {
		opts.PropagationPolicy = DefaultDeleteOptions().PropagationPolicy
	}
	sorted := make([]*unstructured.Unstructured, len(objs))
	copy(sorted, objs)
	sort.Sort(sort.Reverse(ssa.SortableUnstructureds(sorted)))

	cs := &ChangeSet{}
	var errs []error
	for _, o := range sorted {
		e, err := m.deleteOne(ctx, o, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cs.Entries = append(cs.Entries, e)
	}
	return cs, errors.Join(errs...)
}

func (m *Manager) deleteOne(ctx context.Context, obj *unstructured.Unstructured, opts DeleteOptions) (ChangeSetEntry, error) {
	ref := inventory.RefOf(obj)
	live, err := m.Live(ctx, obj)
	switch {
	case err != nil:
		return ChangeSetEntry{}, &ObjectError{Ref: ref, Op: "get", Err: err}
	case live == nil:
		return ChangeSetEntry{Ref: ref, Action: Deleted, Message: "already gone"}, nil
	case !m.owns(live):
		return ChangeSetEntry{Ref: ref, Action: Skipped,
			Message: fmt.Sprintf("not labelled as owned by fleet %s/%s", m.owner.Namespace, m.owner.Name)}, nil
	case live.GetDeletionTimestamp() != nil:
		return ChangeSetEntry{Ref: ref, Action: Deleted, Message: "already being deleted"}, nil
	}

	if isShoot(live) {
		if !opts.AllowShootDeletion {
			return ChangeSetEntry{Ref: ref, Action: Skipped, Message: "shoot deletion is not allowed by the fleet"}, nil
		}
		if live.GetAnnotations()[DeletionConfirmationAnnotation] != "true" {
			// A merge patch, not an apply: applying only this annotation as
			// FieldManager would drop every other field gardenfleet owns.
			patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:"true"}}}`, DeletionConfirmationAnnotation)
			if err := m.client.Patch(ctx, live, client.RawPatch(types.MergePatchType, patch), client.FieldOwner(FieldManager)); err != nil {
				return ChangeSetEntry{}, &ObjectError{Ref: ref, Op: "confirm deletion", Err: err}
			}
		}
	}

	// The UID precondition keeps a delete from hitting an object recreated
	// under the same name since it was read.
	uid := live.GetUID()
	err = m.client.Delete(ctx, live, client.PropagationPolicy(opts.PropagationPolicy),
		client.Preconditions{UID: &uid})
	if err != nil && !apierrors.IsNotFound(err) {
		return ChangeSetEntry{}, &ObjectError{Ref: ref, Op: "delete", Err: err}
	}
	return ChangeSetEntry{Ref: ref, Action: Deleted}, nil
}

// PruneOptions tunes Prune.
type PruneOptions struct {
	// Guard bounds what one prune may delete. Its AllowShootDeletion also
	// lets the deletes go through for Shoots.
	Guard inventory.GuardOptions

	// PropagationPolicy is sent with every delete request.
	PropagationPolicy metav1.DeletionPropagation
}

// DefaultPruneOptions returns options that refuse to prune any Shoot.
func DefaultPruneOptions() PruneOptions {
	return PruneOptions{Guard: inventory.DefaultGuardOptions(), PropagationPolicy: metav1.DeletePropagationBackground}
}

// Prune deletes the objects of the old inventory that are not in want.
// It first asks inventory.GuardDeletion and deletes nothing when the guard
// refuses (a *inventory.DeletionRefusedError). Objects not deleted (Skipped,
// failed) must stay in the inventory so nothing is orphaned:
//
//	stale := inventory.Diff(old, want)
//	survivors := inventory.Diff(stale, cs.Inventory(clusters.Deleted))
//	next := inventory.Merge(want, survivors)
func (m *Manager) Prune(ctx context.Context, old, want inventory.Inventory, opts PruneOptions) (*ChangeSet, error) {
	if err := inventory.GuardDeletion(old, want, opts.Guard); err != nil {
		return &ChangeSet{}, err
	}
	stale := inventory.Diff(old, want)
	objs := make([]*unstructured.Unstructured, 0, stale.Len())
	for _, r := range stale.Entries {
		objs = append(objs, r.Object())
	}
	return m.Delete(ctx, objs, DeleteOptions{
		AllowShootDeletion: opts.Guard.AllowShootDeletion,
		PropagationPolicy:  opts.PropagationPolicy,
	})
}
