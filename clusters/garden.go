package clusters

import (
	"cmp"
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
	{Group: ShootGroup, Version: "v1beta1", Kind: "CloudProfile"},
	{Group: ShootGroup, Version: "v1beta1", Kind: "NamespacedCloudProfile"},
	{Group: "security.gardener.cloud", Version: "v1alpha1", Kind: "CredentialsBinding"},
}

// GardenObjects lists the garden's CloudProfiles, NamespacedCloudProfiles
// and CredentialsBindings as a stream of JSON documents (which YAML
// readers take) for package admission. A kind the cluster does not serve
// is left out.
func GardenObjects(ctx context.Context, c client.Reader) ([]byte, error) {
	var out []byte
	for _, gvk := range gardenKinds {
		var encodeErr error
		err := ListPages(ctx, c, gvk, func(o *unstructured.Unstructured) {
			o.SetManagedFields(nil)
			data, err := json.Marshal(o.Object)
			if err != nil {
				encodeErr = cmp.Or(encodeErr, fmt.Errorf("encode %s %s: %w", o.GetKind(), o.GetName(), err))
				return
			}
			out = append(append(append(out, "---\n"...), data...), '\n')
		})
		switch {
		case isNoKind(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("list %s: %w", gvk.Kind, err)
		case encodeErr != nil:
			return nil, encodeErr
		}
	}
	return out, nil
}

func isNoKind(err error) bool {
	return meta.IsNoMatchError(err) || apierrors.IsNotFound(err)
}
