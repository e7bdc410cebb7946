package clusters

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// Object is one object to apply: whole, or encoded as JSON until it is
// needed. A daemon keeps the revision in force between passes; its 5,000
// Shoots held as unstructured maps were some 50 MB, encoded some 6 MB, and
// Apply decodes one object at a time. The zero value is not an Object.
type Object struct {
	ref    inventory.Ref
	labels map[string]string
	data   []byte                     // encoded, when whole is nil
	whole  *unstructured.Unstructured // shared with the caller: never written
}

// Whole wraps objs as Objects that are decoded already. Apply does not
// modify them.
func Whole(objs ...*unstructured.Unstructured) []Object {
	out := make([]Object, len(objs))
	for i, o := range objs {
		out[i] = Object{ref: inventory.RefOf(o), labels: o.GetLabels(), whole: o}
	}
	return out
}

// Encode returns objs as encoded Objects: what a caller keeps for long.
func Encode(objs ...*unstructured.Unstructured) ([]Object, error) {
	out := make([]Object, len(objs))
	for i, o := range objs {
		data, err := json.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", inventory.RefOf(o), err)
		}
		out[i] = Object{ref: inventory.RefOf(o), labels: o.GetLabels(), data: data}
	}
	return out, nil
}

// Ref is the object's reference.
func (o Object) Ref() inventory.Ref { return o.ref }

// GroupVersionKind is the object's kind.
func (o Object) GroupVersionKind() schema.GroupVersionKind { return o.ref.GroupVersionKind() }

// Labels are the object's labels; the caller must not modify them.
func (o Object) Labels() map[string]string { return o.labels }

// Decode returns the object: a whole one's own (not to be written), an
// encoded one's in maps of its own.
func (o Object) Decode() (*unstructured.Unstructured, error) {
	if o.whole != nil {
		return o.whole, nil
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(o.data); err != nil {
		return nil, fmt.Errorf("decode %s: %w", o.ref, err)
	}
	return u, nil
}

// Refs returns the references of objs, in their order.
func Refs(objs []Object) []inventory.Ref {
	out := make([]inventory.Ref, len(objs))
	for i, o := range objs {
		out[i] = o.ref
	}
	return out
}

// sortForApply sorts objs in ssa's apply order (by kind, then namespace and
// name), as ssa.SortableUnstructureds does for whole objects.
func sortForApply(objs []Object) {
	metas := make([]object.ObjMetadata, len(objs))
	for i, o := range objs {
		metas[i] = object.ObjMetadata{GroupKind: o.GroupVersionKind().GroupKind(), Namespace: o.ref.Namespace, Name: o.ref.Name}
	}
	sort.Sort(byMeta{objs, metas})
}

type byMeta struct {
	objs  []Object
	metas ssa.SortableMetas
}

func (b byMeta) Len() int           { return len(b.objs) }
func (b byMeta) Less(i, j int) bool { return b.metas.Less(i, j) }
func (b byMeta) Swap(i, j int) {
	b.objs[i], b.objs[j] = b.objs[j], b.objs[i]
	b.metas.Swap(i, j)
}
