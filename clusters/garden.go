package clusters

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// gardenKinds are what Gardener's admission plugins read of the garden
// to judge a Shoot, besides Projects (which the fleet renders).
var gardenKinds = []schema.GroupVersionKind{
	{Group: ShootGroup, Version: "v1beta1", Kind: "CloudProfileList"},
	{Group: ShootGroup, Version: "v1beta1", Kind: "NamespacedCloudProfileList"},
	{Group: "security.gardener.cloud", Version: "v1alpha1", Kind: "CredentialsBindingList"},
}

// GardenObjects lists the garden's CloudProfiles, NamespacedCloudProfiles
// and CredentialsBindings as a stream of JSON documents (which YAML
// readers take) for package admission. A kind the cluster does not serve
// is left out.
func GardenObjects(ctx context.Context, c client.Reader) ([]byte, error) {
	var out []byte
	for _, gvk := range gardenKinds {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk)
		if err := c.List(ctx, list); err != nil {
			if isNoKind(err) {
				continue
			}
			return nil, fmt.Errorf("list %s: %w", gvk.Kind, err)
		}
		for i := range list.Items {
			o := &list.Items[i]
			o.SetManagedFields(nil)
			data, err := json.Marshal(o.Object)
			if err != nil {
				return nil, fmt.Errorf("encode %s %s: %w", o.GetKind(), o.GetName(), err)
			}
			out = append(append(append(out, "---\n"...), data...), '\n')
		}
	}
	return out, nil
}

func isNoKind(err error) bool {
	return meta.IsNoMatchError(err) || apierrors.IsNotFound(err)
}
