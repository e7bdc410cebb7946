package shoot

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// WithVersions returns a copy of the Shoot desired carrying controlPlane and
// the versions pools gives by pool name. A pool gets an explicit version
// when it runs apart from the control plane, or when desired or the live
// Shoot (liveExplicit: pools with a version of their own) already gives it
// one; otherwise it keeps inheriting, so that holding a shoot where it is
// never changes its spec. A pool pools does not name (it is not live yet)
// keeps its own version, but never one newer than the control plane's.
// The reconciler applies these objects step by step and plan judges them:
// both build them here.
func WithVersions(desired *unstructured.Unstructured, liveExplicit map[string]bool, controlPlane string, pools map[string]string) (*unstructured.Unstructured, error) {
	out := desired.DeepCopy()
	if err := unstructured.SetNestedField(out.Object, controlPlane, "spec", "kubernetes", "version"); err != nil {
		return nil, fmt.Errorf("set control plane version: %w", err)
	}
	list, found, err := unstructured.NestedSlice(out.Object, "spec", "provider", "workers")
	if err != nil || !found {
		return out, err
	}
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		name, _, _ := unstructured.NestedString(m, "name")
		explicit, _, _ := unstructured.NestedString(m, "kubernetes", "version")
		v, planned := pools[name]
		switch {
		case planned && (explicit != "" || liveExplicit[name] || v != controlPlane):
			if err := unstructured.SetNestedField(m, v, "kubernetes", "version"); err != nil {
				return nil, fmt.Errorf("set pool %s version: %w", name, err)
			}
		case !planned && explicit != "" && newer(explicit, controlPlane):
			if err := unstructured.SetNestedField(m, controlPlane, "kubernetes", "version"); err != nil {
				return nil, fmt.Errorf("set pool %s version: %w", name, err)
			}
		}
		list[i] = m
	}
	if err := unstructured.SetNestedSlice(out.Object, list, "spec", "provider", "workers"); err != nil {
		return nil, fmt.Errorf("set workers: %w", err)
	}
	return out, nil
}

// newer reports whether version a is newer than b; a version that does not
// parse is never newer (its error is reported where it is read).
func newer(a, b string) bool {
	va, err := semver.StrictNewVersion(strings.TrimPrefix(a, "v"))
	if err != nil {
		return false
	}
	vb, err := semver.StrictNewVersion(strings.TrimPrefix(b, "v"))
	return err == nil && va.GreaterThan(vb)
}
