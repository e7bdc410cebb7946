package preview

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// shootBuilder builds a rendered Shoot object for tests.
type shootBuilder struct{ u *unstructured.Unstructured }

func testShoot(namespace, name string) *shootBuilder {
	return &shootBuilder{u: &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "core.gardener.cloud/v1beta1",
		"kind":       "Shoot",
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec": map[string]any{
			"cloudProfile": map[string]any{"kind": "CloudProfile", "name": "metal"},
			"region":       "local",
			"kubernetes":   map[string]any{"version": "1.35.4"},
			"provider":     map[string]any{"type": "metal"},
		},
	}}}
}

func (b *shootBuilder) version(v string) *shootBuilder {
	_ = unstructured.SetNestedField(b.u.Object, v, "spec", "kubernetes", "version")
	return b
}

func (b *shootBuilder) profile(name string) *shootBuilder {
	_ = unstructured.SetNestedField(b.u.Object, name, "spec", "cloudProfile", "name")
	return b
}

// pool adds a worker pool; version "" follows the control plane.
func (b *shootBuilder) pool(name, version string) *shootBuilder {
	return b.poolWith(name, version, "")
}

func (b *shootBuilder) poolWith(name, version, strategy string) *shootBuilder {
	w := map[string]any{"name": name, "machine": map[string]any{"type": "m1"}, "minimum": int64(1), "maximum": int64(3)}
	if version != "" {
		w["kubernetes"] = map[string]any{"version": version}
	}
	if strategy != "" {
		w["updateStrategy"] = strategy
	}
	workers, _, _ := unstructured.NestedSlice(b.u.Object, "spec", "provider", "workers")
	_ = unstructured.SetNestedSlice(b.u.Object, append(workers, w), "spec", "provider", "workers")
	return b
}

func (b *shootBuilder) set(value any, path ...string) *shootBuilder {
	_ = unstructured.SetNestedField(b.u.Object, value, path...)
	return b
}

func (b *shootBuilder) build() *unstructured.Unstructured { return b.u }

func testProject(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "core.gardener.cloud/v1beta1",
		"kind":       "Project",
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{"namespace": "garden-" + name},
	}}
}

func testTopology(name, definition string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "clabernetes.containerlab.dev/v1alpha1",
		"kind":       "Topology",
		"metadata":   map[string]any{"name": name, "namespace": "labs"},
		"spec":       map[string]any{"definition": map[string]any{"containerlab": definition}},
	}}
}

func testNamespace(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "Namespace",
		"metadata":   map[string]any{"name": name},
	}}
}

func objs(us ...*unstructured.Unstructured) []*unstructured.Unstructured { return us }

// fleetShoot is a fleet model shoot with its rollout.
func fleetShoot(namespace, name string, rollout fleet.Rollout) fleet.Shoot {
	return fleet.Shoot{Name: name, Namespace: namespace, Rollout: rollout}
}

// catalog builds a catalog of supported versions.
func catalog(versions ...string) *planner.Catalog {
	pvs := make([]planner.ProfileVersion, len(versions))
	for i, v := range versions {
		pvs[i] = planner.ProfileVersion{Version: planner.MustParseVersion(v), Classification: planner.Supported}
	}
	c, err := planner.NewCatalog(pvs)
	if err != nil {
		panic(err)
	}
	return c
}
