// Package shoottest builds Gardener Shoots for tests. It is the one Shoot
// builder of the repository's tests: an object holds only what the test set,
// so tests of diffs, digests and renders see exactly the fields they name.
package shoottest

import (
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Builder builds one Shoot.
type Builder struct{ u *unstructured.Unstructured }

// New starts a Shoot with only its identity and an empty spec.
func New(namespace, name string) *Builder {
	return &Builder{u: &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "core.gardener.cloud/v1beta1",
		"kind":       "Shoot",
		"metadata":   map[string]any{"namespace": namespace, "name": name},
		"spec":       map[string]any{},
	}}}
}

// Set sets the field at path to value (an unstructured value: string,
// int64, bool, map[string]any or []any).
func (b *Builder) Set(value any, path ...string) *Builder {
	if err := unstructured.SetNestedField(b.u.Object, value, path...); err != nil {
		panic(fmt.Sprintf("shoottest: set %v: %v", path, err))
	}
	return b
}

// Version sets the control plane's Kubernetes version.
func (b *Builder) Version(v string) *Builder { return b.Set(v, "spec", "kubernetes", "version") }

// Profile sets the CloudProfile by name.
func (b *Builder) Profile(name string) *Builder {
	return b.Set(map[string]any{"kind": "CloudProfile", "name": name}, "spec", "cloudProfile")
}

// Provider sets the provider type.
func (b *Builder) Provider(typ string) *Builder { return b.Set(typ, "spec", "provider", "type") }

// Pool is a worker pool; empty or zero fields are left out.
type Pool struct {
	Name, Machine string
	// Version is the pool's own Kubernetes version; empty follows the control plane.
	Version string
	// ImageName and Image are the machine image; Image empty leaves it out.
	ImageName, Image string
	// Strategy is the update strategy, e.g. AutoInPlaceUpdate.
	Strategy         string
	Minimum, Maximum int64
}

// Pool appends a worker pool.
func (b *Builder) Pool(p Pool) *Builder {
	machine := map[string]any{"type": p.Machine}
	if p.Image != "" {
		machine["image"] = map[string]any{"name": p.ImageName, "version": p.Image}
	}
	w := map[string]any{"name": p.Name, "machine": machine}
	if p.Version != "" {
		w["kubernetes"] = map[string]any{"version": p.Version}
	}
	if p.Strategy != "" {
		w["updateStrategy"] = p.Strategy
	}
	if p.Minimum != 0 || p.Maximum != 0 {
		w["minimum"], w["maximum"] = p.Minimum, p.Maximum
	}
	pools, _, _ := unstructured.NestedSlice(b.u.Object, "spec", "provider", "workers")
	return b.Set(append(pools, w), "spec", "provider", "workers")
}

// Hibernation sets spec.hibernation: enabled when not nil, and one schedule
// (in Europe/Berlin) per start.
func (b *Builder) Hibernation(enabled *bool, starts ...string) *Builder {
	if enabled != nil {
		b.Set(*enabled, "spec", "hibernation", "enabled")
	}
	if len(starts) > 0 {
		var s []any
		for _, start := range starts {
			s = append(s, map[string]any{"start": start, "location": "Europe/Berlin"})
		}
		b.Set(s, "spec", "hibernation", "schedules")
	}
	return b
}

// Generation sets metadata.generation and, when observed > 0,
// status.observedGeneration.
func (b *Builder) Generation(gen, observed int64) *Builder {
	b.u.SetGeneration(gen)
	if observed > 0 {
		b.Set(observed, "status", "observedGeneration")
	}
	return b
}

// LastOperation sets status.lastOperation at 100% progress.
func (b *Builder) LastOperation(typ, state, description string) *Builder {
	return b.Set(map[string]any{"type": typ, "state": state, "progress": int64(100), "description": description},
		"status", "lastOperation")
}

// Conditions sets status.conditions from type/status pairs.
func (b *Builder) Conditions(pairs ...string) *Builder {
	var cs []any
	for i := 0; i+1 < len(pairs); i += 2 {
		cs = append(cs, map[string]any{"type": pairs[i], "status": pairs[i+1], "message": pairs[i] + " says " + pairs[i+1]})
	}
	return b.Set(cs, "status", "conditions")
}

// Unstructured returns a copy of the Shoot built so far.
func (b *Builder) Unstructured() *unstructured.Unstructured { return b.u.DeepCopy() }

// Typed returns the Shoot built so far as Gardener's type.
func (b *Builder) Typed() *gardencorev1beta1.Shoot {
	s := &gardencorev1beta1.Shoot{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(b.u.Object, s); err != nil {
		panic(fmt.Sprintf("shoottest: %v", err))
	}
	return s
}
