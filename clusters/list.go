package clusters

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ListPageSize bounds the objects of one list request, for every list
// gardenfleet makes: a decoded page of 500 Shoots held some 20 MiB more at a
// time than one of 250, and 250 still lists 5,000 Shoots in 20 requests.
const ListPageSize = 250

// ListPages lists the objects of gvk (the kind of the items) that match opts
// through c, page by page of ListPageSize, and hands each to each. A kind
// the cluster does not serve fails with an error meta.IsNoMatchError tells.
func ListPages(ctx context.Context, c client.Reader, gvk schema.GroupVersionKind, each func(*unstructured.Unstructured), opts ...client.ListOption) error {
	return listPages(ctx, c, gvk, ListPageSize, each, opts...)
}

func listPages(ctx context.Context, c client.Reader, gvk schema.GroupVersionKind, pageSize int64, each func(*unstructured.Unstructured), opts ...client.ListOption) error {
	opts = append(opts[:len(opts):len(opts)], client.Limit(pageSize))
	for cont := ""; ; {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := c.List(ctx, list, append(opts, client.Continue(cont))...); err != nil {
			return err
		}
		for i := range list.Items {
			each(&list.Items[i])
		}
		if cont = list.GetContinue(); cont == "" {
			return nil
		}
	}
}

// ListOwned lists the objects of gvk that carry the manager's ownership
// labels, page by page (ListPages).
func (m *Manager) ListOwned(ctx context.Context, gvk schema.GroupVersionKind, each func(*unstructured.Unstructured)) error {
	return m.listOwned(ctx, gvk, ListPageSize, each)
}

func (m *Manager) listOwned(ctx context.Context, gvk schema.GroupVersionKind, pageSize int64, each func(*unstructured.Unstructured)) error {
	return listPages(ctx, m.client, gvk, pageSize, each, client.MatchingLabels(m.OwnerLabels()))
}

// ListNames lists the namespace and name of every object of gvk, with a
// metadata-only list page by page: which of many objects exist, for a
// request per page instead of a get per object.
func (m *Manager) ListNames(ctx context.Context, gvk schema.GroupVersionKind, each func(namespace, name string)) error {
	return m.listMetadataPages(ctx, gvk, ListPageSize, each)
}

// Live returns the live object of obj (by its kind, namespace and name), or
// nil when it does not exist.
func (m *Manager) Live(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	err := m.client.Get(ctx, client.ObjectKeyFromObject(obj), live)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return live, nil
}

// CloudProfile reads the CloudProfile name, or the NamespacedCloudProfile
// name in namespace when kind says so, as JSON for the planner and Gardener's
// decoders. A profile that is not there fails with an error
// apierrors.IsNotFound (or, when the cluster does not serve the kind,
// meta.IsNoMatchError) tells; the caller names the profile.
func CloudProfile(ctx context.Context, c client.Reader, kind, namespace, name string) ([]byte, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: ShootGroup, Version: "v1beta1", Kind: kind})
	if kind != "NamespacedCloudProfile" {
		namespace = ""
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, u); err != nil {
		return nil, err
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", kind, name, err)
	}
	return data, nil
}
