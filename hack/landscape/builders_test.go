package landscape_test

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// shootSpec builds a Shoot of provider local with one worker pool, valid as it is; the
// with* methods change what a case is about.
type shootSpec struct{ obj map[string]any }

func shoot() *shootSpec {
	return &shootSpec{obj: map[string]any{
		"apiVersion": "core.gardener.cloud/v1beta1",
		"kind":       "Shoot",
		"metadata":   map[string]any{},
		"spec": map[string]any{
			"cloudProfile":           map[string]any{"name": "local"},
			"region":                 "local",
			"credentialsBindingName": "local",
			"kubernetes":             map[string]any{"version": "1.34.8"},
			"provider": map[string]any{
				"type":    "local",
				"workers": []any{pool("pool-a")},
			},
			"networking": map[string]any{"type": "calico", "pods": "10.1.0.0/16", "services": "10.2.0.0/16", "nodes": "10.0.0.0/16"},
		},
	}}
}

// metalShoot is a valid metal shoot, mini-lab style.
func metalShoot() *shootSpec {
	s := shoot().
		with("metal", "spec", "provider", "type").
		with("metal", "spec", "cloudProfile", "name").
		with(map[string]any{
			"apiVersion":  "metal.provider.extensions.gardener.cloud/v1alpha1",
			"kind":        "InfrastructureConfig",
			"partitionID": "mini-lab",
			"projectID":   "00000000-0000-0000-0000-000000000001",
		}, "spec", "provider", "infrastructureConfig")
	s.obj["metadata"] = map[string]any{"annotations": map[string]any{"cluster.metal-stack.io/tenant": "tenant-a"}}
	return s
}

func pool(name string) map[string]any {
	return map[string]any{
		"name":    name,
		"machine": map[string]any{"type": "local", "image": map[string]any{"name": "local", "version": "1.0.0"}},
		"minimum": int64(1),
		"maximum": int64(2),
	}
}

func poolAt(name, version string) map[string]any {
	p := pool(name)
	p["kubernetes"] = map[string]any{"version": version}
	return p
}

func (s *shootSpec) clone() *shootSpec {
	return &shootSpec{obj: runtime.DeepCopyJSON(s.obj)}
}

func (s *shootSpec) with(value any, path ...string) *shootSpec {
	c := s.clone()
	if err := unstructured.SetNestedField(c.obj, value, path...); err != nil {
		panic(err)
	}
	return c
}

func (s *shootSpec) without(path ...string) *shootSpec {
	c := s.clone()
	unstructured.RemoveNestedField(c.obj, path...)
	return c
}

func (s *shootSpec) version(v string) *shootSpec { return s.with(v, "spec", "kubernetes", "version") }

func (s *shootSpec) pools(pools ...map[string]any) *shootSpec {
	list := make([]any, len(pools))
	for i, p := range pools {
		list[i] = p
	}
	return s.with(list, "spec", "provider", "workers")
}

// workerless drops the pools and everything Gardener forbids without them.
func (s *shootSpec) workerless() *shootSpec {
	return s.without("spec", "provider", "workers").
		without("spec", "credentialsBindingName").
		without("spec", "networking")
}

func (s *shootSpec) annotate(key, value string) *shootSpec {
	c := s.clone()
	u := &unstructured.Unstructured{Object: c.obj}
	a := u.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	u.SetAnnotations(a)
	return c
}

func (s *shootSpec) build(namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(s.obj)}
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

// withPool sets a field of the i-th worker pool.
func (s *shootSpec) withPool(i int, value any, path ...string) *shootSpec {
	c := s.clone()
	workers, _, _ := unstructured.NestedSlice(c.obj, "spec", "provider", "workers")
	if err := unstructured.SetNestedField(workers[i].(map[string]any), value, path...); err != nil {
		panic(err)
	}
	if err := unstructured.SetNestedSlice(c.obj, workers, "spec", "provider", "workers"); err != nil {
		panic(err)
	}
	return c
}
