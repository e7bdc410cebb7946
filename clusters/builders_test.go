package clusters

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// shootBuilder builds Shoot objects for tests; only the fields a test names matter.
type shootBuilder struct{ u *unstructured.Unstructured }

func newShoot(ns, name string) *shootBuilder {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "core.gardener.cloud/v1beta1",
		"kind":       "Shoot",
		"metadata":   map[string]any{"namespace": ns, "name": name},
		"spec":       map[string]any{},
	}}
	return &shootBuilder{u: u}
}

func (b *shootBuilder) set(value any, fields ...string) *shootBuilder {
	if err := unstructured.SetNestedField(b.u.Object, value, fields...); err != nil {
		panic(err)
	}
	return b
}

func (b *shootBuilder) version(v string) *shootBuilder {
	return b.set(v, "spec", "kubernetes", "version")
}

// pool appends a worker pool; empty versions are left out.
func (b *shootBuilder) pool(name, k8s, image string) *shootBuilder {
	p := map[string]any{"name": name, "machine": map[string]any{"type": "v1-small-x86"}}
	if k8s != "" {
		p["kubernetes"] = map[string]any{"version": k8s}
	}
	if image != "" {
		p["machine"].(map[string]any)["image"] = map[string]any{"name": "debian", "version": image}
	}
	pools, _, _ := unstructured.NestedSlice(b.u.Object, "spec", "provider", "workers")
	return b.set(append(pools, p), "spec", "provider", "workers")
}

func (b *shootBuilder) hibernation(enabled *bool, schedules ...string) *shootBuilder {
	if enabled != nil {
		b.set(*enabled, "spec", "hibernation", "enabled")
	}
	if len(schedules) > 0 {
		var s []any
		for _, start := range schedules {
			s = append(s, map[string]any{"start": start, "location": "Europe/Berlin"})
		}
		b.set(s, "spec", "hibernation", "schedules")
	}
	return b
}

func (b *shootBuilder) generation(gen, observed int64) *shootBuilder {
	b.u.SetGeneration(gen)
	if observed > 0 {
		b.set(observed, "status", "observedGeneration")
	}
	return b
}

func (b *shootBuilder) lastOperation(typ, state, description string) *shootBuilder {
	return b.set(map[string]any{"type": typ, "state": state, "progress": int64(100), "description": description},
		"status", "lastOperation")
}

// conditions sets status.conditions from type/status pairs.
func (b *shootBuilder) conditions(pairs ...string) *shootBuilder {
	var cs []any
	for i := 0; i+1 < len(pairs); i += 2 {
		cs = append(cs, map[string]any{"type": pairs[i], "status": pairs[i+1], "message": pairs[i] + " says " + pairs[i+1]})
	}
	return b.set(cs, "status", "conditions")
}

func (b *shootBuilder) build() *unstructured.Unstructured { return b.u.DeepCopy() }

func ptr[T any](v T) *T { return &v }
