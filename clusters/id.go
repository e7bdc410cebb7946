package clusters

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// objectString names an object as "Kind/namespace/name".
func objectString(u *unstructured.Unstructured) string {
	return inventory.RefOf(u).String()
}

func isShoot(u *unstructured.Unstructured) bool {
	gvk := u.GroupVersionKind()
	return gvk.Group == ShootGroup && gvk.Kind == ShootKind
}
