package inventory

import (
	"cmp"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Ref identifies one applied object. Group, Kind, Namespace and Name are its
// identity; Version records the API version it was applied with, so that a
// pruned object can be addressed, but a version change is the same object.
type Ref struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RefOf returns the reference of an object.
func RefOf(obj *unstructured.Unstructured) Ref {
	gvk := obj.GroupVersionKind()
	return Ref{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// String returns "Kind/namespace/name", or "Kind/name" for cluster-scoped
// objects: the form every gardenfleet message names an object by.
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// GroupVersionKind returns the reference's GVK.
func (r Ref) GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// Object returns a minimal object carrying only the reference: enough to get
// or delete it.
func (r Ref) Object() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(r.GroupVersionKind())
	u.SetNamespace(r.Namespace)
	u.SetName(r.Name)
	return u
}

// key is the identity of a Ref: everything but the version.
type key struct{ group, kind, namespace, name string }

func (r Ref) key() key { return key{r.Group, r.Kind, r.Namespace, r.Name} }

// compare orders refs by group, kind, namespace, name, then version.
func compare(a, b Ref) int {
	return cmp.Or(
		cmp.Compare(a.Group, b.Group),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.Version, b.Version),
	)
}

// Inventory is a set of references, sorted and without two entries of the
// same identity. Build one with New or FromRefs; the zero value is empty.
type Inventory struct {
	Entries []Ref `json:"entries"`
}

// New returns the inventory of the given objects.
func New(objs []*unstructured.Unstructured) Inventory {
	refs := make([]Ref, 0, len(objs))
	for _, o := range objs {
		refs = append(refs, RefOf(o))
	}
	return FromRefs(refs...)
}

// FromRefs returns an inventory of refs, sorted. Of two refs with the same
// identity the later one wins, so a newer API version replaces an older.
func FromRefs(refs ...Ref) Inventory {
	byKey := make(map[key]Ref, len(refs))
	for _, r := range refs {
		byKey[r.key()] = r
	}
	out := make([]Ref, 0, len(byKey))
	for _, r := range byKey {
		out = append(out, r)
	}
	slices.SortFunc(out, compare)
	return Inventory{Entries: out}
}

// Len returns the number of entries.
func (inv Inventory) Len() int { return len(inv.Entries) }

// Contains reports whether the inventory holds an object of r's identity.
func (inv Inventory) Contains(r Ref) bool {
	return slices.ContainsFunc(inv.Entries, func(e Ref) bool { return e.key() == r.key() })
}

func (inv Inventory) keys() map[key]bool {
	m := make(map[key]bool, len(inv.Entries))
	for _, r := range inv.Entries {
		m[r.key()] = true
	}
	return m
}

// Diff returns the entries of old that are not in desired: what a prune
// deletes. It compares identities, so an object whose API version changed is
// not stale.
func Diff(old, desired Inventory) Inventory {
	want := desired.keys()
	var stale []Ref
	for _, r := range old.Entries {
		if !want[r.key()] {
			stale = append(stale, r)
		}
	}
	return Inventory{Entries: stale}
}

// Merge returns the union of inventories. Entries of later inventories win
// over earlier ones of the same identity. Use it to keep tracking objects a
// failed apply or prune left behind (survivors), so nothing is orphaned.
func Merge(invs ...Inventory) Inventory {
	var all []Ref
	for _, inv := range invs {
		all = append(all, inv.Entries...)
	}
	return FromRefs(all...)
}
