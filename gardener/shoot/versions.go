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
	writes, err := poolWrites(desired, liveExplicit, controlPlane, pools)
	if err != nil {
		return nil, err
	}
	return withWrites(desired, controlPlane, writes)
}

// WithLiveVersions is WithVersions with the live Shoot's versions as they
// are: controlPlane, and live by pool name, "" for a pool that inherits. A
// shoot on hold keeps them while every other change goes through. The values
// are copied, not parsed, so this also holds a shoot whose versions do not
// parse. desired itself is returned when it carries those versions already,
// as every shoot at its target does: a pass goes through all of them.
func WithLiveVersions(desired *unstructured.Unstructured, controlPlane string, live map[string]string) (*unstructured.Unstructured, error) {
	liveExplicit := make(map[string]bool, len(live))
	pools := make(map[string]string, len(live))
	for name, v := range live {
		liveExplicit[name] = v != ""
		if v == "" {
			v = controlPlane
		}
		pools[name] = v
	}
	writes, err := poolWrites(desired, liveExplicit, controlPlane, pools)
	if err != nil {
		return nil, err
	}
	if carries(desired, controlPlane, writes) {
		return desired, nil
	}
	return withWrites(desired, controlPlane, writes)
}

// poolWrite is a version WithVersions writes into a pool of desired.
type poolWrite struct {
	index         int // in spec.provider.workers
	name, version string
}

// poolWrites returns, in order, the pools of desired WithVersions gives a
// version; desired is only read.
func poolWrites(desired *unstructured.Unstructured, liveExplicit map[string]bool, controlPlane string, pools map[string]string) ([]poolWrite, error) {
	field, found, err := unstructured.NestedFieldNoCopy(desired.Object, "spec", "provider", "workers")
	if err != nil || !found {
		return nil, err
	}
	list, ok := field.([]any)
	if !ok {
		return nil, fmt.Errorf("spec.provider.workers: %T is not a list", field)
	}
	var out []poolWrite
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
			out = append(out, poolWrite{index: i, name: name, version: v})
		case !planned && explicit != "" && newer(explicit, controlPlane):
			out = append(out, poolWrite{index: i, name: name, version: controlPlane})
		}
	}
	return out, nil
}

// withWrites returns a copy of desired with controlPlane and writes set.
func withWrites(desired *unstructured.Unstructured, controlPlane string, writes []poolWrite) (*unstructured.Unstructured, error) {
	out := desired.DeepCopy()
	if err := unstructured.SetNestedField(out.Object, controlPlane, "spec", "kubernetes", "version"); err != nil {
		return nil, fmt.Errorf("set control plane version: %w", err)
	}
	if len(writes) == 0 {
		return out, nil
	}
	// poolWrites read the list: it is there and holds the written pools.
	list, _, err := unstructured.NestedFieldNoCopy(out.Object, "spec", "provider", "workers")
	if err != nil {
		return nil, fmt.Errorf("workers: %w", err)
	}
	for _, w := range writes {
		m := list.([]any)[w.index].(map[string]any)
		if err := unstructured.SetNestedField(m, w.version, "kubernetes", "version"); err != nil {
			return nil, fmt.Errorf("set pool %s version: %w", w.name, err)
		}
	}
	return out, nil
}

// carries reports whether desired already holds controlPlane and every
// write, so that making them would change nothing. Any doubt (a field of an
// unexpected type) answers false.
func carries(desired *unstructured.Unstructured, controlPlane string, writes []poolWrite) bool {
	if v, found, err := unstructured.NestedFieldNoCopy(desired.Object, "spec", "kubernetes", "version"); err != nil || !found || v != any(controlPlane) {
		return false
	}
	if len(writes) == 0 {
		return true
	}
	field, _, _ := unstructured.NestedFieldNoCopy(desired.Object, "spec", "provider", "workers")
	list, ok := field.([]any)
	if !ok {
		return false
	}
	for _, w := range writes {
		m, ok := list[w.index].(map[string]any)
		if !ok {
			return false
		}
		if v, found, err := unstructured.NestedFieldNoCopy(m, "kubernetes", "version"); err != nil || !found || v != any(w.version) {
			return false
		}
	}
	return true
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
