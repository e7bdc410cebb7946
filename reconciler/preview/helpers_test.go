package preview

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/shoot/shoottest"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// testShoot starts a rendered metal Shoot at 1.35.4 for tests.
func testShoot(namespace, name string) *shoottest.Builder {
	return shoottest.New(namespace, name).Profile("metal").Set("local", "spec", "region").Version("1.35.4").Provider("metal")
}

// testPool is a worker pool; version "" follows the control plane.
func testPool(name, version, strategy string) shoottest.Pool {
	return shoottest.Pool{Name: name, Machine: "m1", Version: version, Strategy: strategy, Minimum: 1, Maximum: 3}
}

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
