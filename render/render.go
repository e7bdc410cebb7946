package render

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// API groups and versions of what gardenfleet renders.
const (
	GardenerAPIVersion    = "core.gardener.cloud/v1beta1"
	MetalAPIVersion       = "metal.provider.extensions.gardener.cloud/v1alpha1"
	ClabernetesAPIVersion = "clabernetes.containerlab.dev/v1alpha1"
)

// Annotations and labels gardenfleet sets.
const (
	// TenantAnnotation is required by metal-stack's admission webhook.
	TenantAnnotation = "cluster.metal-stack.io/tenant"
)

// Result is a rendered fleet.
type Result struct {
	// Objects in apply order: Namespaces first, then cluster-scoped kinds,
	// then Shoots and Topologies.
	Objects []*unstructured.Unstructured
	// Files are containerlab topology files by name (<lab>.clab.yaml).
	Files map[string][]byte
}

// Fleet renders every object and file of a fleet, in apply order (Sort).
func Fleet(f *fleet.Fleet) (*Result, error) {
	res := &Result{}
	files, err := Each(f, func(o *unstructured.Unstructured) error {
		res.Objects = append(res.Objects, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Files = files
	Sort(res.Objects)
	return res, nil
}

// Each renders every object of a fleet and hands each to keep as it is
// rendered, unsorted, so that a caller keeping them in another form (the
// daemon keeps them encoded) never holds them all as maps; it returns the
// files. A fleet with an overlay is rendered whole first: kustomize takes
// every object at once. An error of keep is returned as it is.
func Each(f *fleet.Fleet, keep func(*unstructured.Unstructured) error) (map[string][]byte, error) {
	if f.Overlay == nil {
		return each(f, keep)
	}
	var objs []*unstructured.Unstructured
	files, err := each(f, func(o *unstructured.Unstructured) error {
		objs = append(objs, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if objs, err = applyOverlay(objs, f.Overlay); err != nil {
		return nil, err
	}
	// The overlay may set any name: refuse one no API server takes before
	// it becomes a file name or a request path.
	for _, o := range objs {
		if err := CheckObjectName(o); err != nil {
			what := fmt.Sprintf("%s %q", o.GetKind(), o.GetName())
			if ns := o.GetNamespace(); ns != "" {
				what += fmt.Sprintf(" in namespace %q", ns)
			}
			return nil, &OverlayError{File: path.Join(fleet.OverlayDir, "kustomization.yaml"), Err: fmt.Errorf("%s: %w", what, err)}
		}
	}
	for i, o := range objs {
		if err := keep(o); err != nil {
			return nil, err
		}
		objs[i] = nil // kept: no longer held here
	}
	return files, nil
}

// each renders the fleet's objects, before any overlay, into keep.
func each(f *fleet.Fleet, keep func(*unstructured.Unstructured) error) (map[string][]byte, error) {
	files := map[string][]byte{}
	namespaces := map[string]bool{}
	for i := range f.Projects {
		obj, err := Project(&f.Projects[i])
		if err != nil {
			return nil, fmt.Errorf("rendering project %s: %w", f.Projects[i].Name, err)
		}
		if err := keep(obj); err != nil {
			return nil, err
		}
	}
	for i := range f.Shoots {
		obj, err := Shoot(&f.Shoots[i])
		if err != nil {
			return nil, err
		}
		if err := keep(obj); err != nil {
			return nil, err
		}
	}
	for i := range f.Labs {
		lab := &f.Labs[i]
		clab, err := ContainerlabFile(lab)
		if err != nil {
			return nil, fmt.Errorf("rendering lab %s: %w", lab.Name, err)
		}
		files[lab.Name+".clab.yaml"] = clab
		topo, err := Topology(lab, clab)
		if err != nil {
			return nil, fmt.Errorf("rendering lab %s: %w", lab.Name, err)
		}
		if err := keep(topo); err != nil {
			return nil, err
		}
		if !namespaces[lab.Namespace] {
			namespaces[lab.Namespace] = true
			if err := keep(namespace(lab.Namespace)); err != nil {
				return nil, err
			}
		}
	}
	return files, nil
}

// Project renders a Gardener Project.
func Project(p *fleet.Project) (*unstructured.Unstructured, error) {
	return toUnstructured(&gardencorev1beta1.Project{
		TypeMeta:   metav1.TypeMeta{APIVersion: GardenerAPIVersion, Kind: "Project"},
		ObjectMeta: metav1.ObjectMeta{Name: p.Name},
		Spec:       gardencorev1beta1.ProjectSpec{Namespace: &p.Namespace, Description: optional(p.Description)},
	})
}

// toUnstructured converts a typed object to what gardenfleet applies: only
// what it sets. Typed structs carry more than that (a null creationTimestamp,
// a status of zero fields, nulls of nil slices): none of it is sent, as a
// server-side apply configuration would not send it.
func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T: %w", obj, err)
	}
	delete(m, "status")
	pruneNulls(m)
	if meta, ok := m["metadata"].(map[string]any); ok && len(meta) == 0 {
		delete(m, "metadata")
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// pruneNulls removes null values from maps, recursively.
func pruneNulls(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			pruneNulls(e)
		}
	case []any:
		for _, e := range x {
			pruneNulls(e)
		}
	}
}

func namespace(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "Namespace",
		"metadata":   map[string]any{"name": name},
	}}
}

// kindRank orders kinds for applying: what others live in or refer to first.
func kindRank(kind string) int {
	switch kind {
	case "Namespace", "CustomResourceDefinition":
		return 0
	case "Project", "CloudProfile":
		return 1
	case "Shoot":
		return 3
	case "Topology":
		return 4
	}
	return 2
}

// Sort puts objects in apply order, deterministically.
func Sort(objs []*unstructured.Unstructured) {
	slices.SortStableFunc(objs, func(a, b *unstructured.Unstructured) int {
		return Compare(IDOf(a), IDOf(b))
	})
}

// ID is what Sort orders objects by.
type ID struct{ APIVersion, Kind, Namespace, Name string }

// IDOf returns an object's ID.
func IDOf(o *unstructured.Unstructured) ID {
	return ID{APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName()}
}

// Compare orders IDs in apply order, as Sort does: by kind (Namespaces and
// CRDs, Projects and CloudProfiles, anything else, Shoots, Topologies), then
// apiVersion, kind, namespace and name.
func Compare(a, b ID) int {
	return cmp.Or(
		cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
		cmp.Compare(a.APIVersion, b.APIVersion),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Name, b.Name),
	)
}

// CheckObjectName checks an object's kind, namespace and name as Kubernetes
// requires them: kind and namespace DNS-1123 labels (the kind lowercased),
// the name a DNS-1123 subdomain. Each is then safe in a file name too.
func CheckObjectName(o *unstructured.Unstructured) error {
	if msgs := validation.IsDNS1123Label(strings.ToLower(o.GetKind())); len(msgs) > 0 {
		return fmt.Errorf("invalid kind: %s", strings.Join(msgs, "; "))
	}
	if ns := o.GetNamespace(); ns != "" {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			return fmt.Errorf("invalid metadata.namespace: %s", strings.Join(msgs, "; "))
		}
	}
	if msgs := validation.IsDNS1123Subdomain(o.GetName()); len(msgs) > 0 {
		return fmt.Errorf("invalid metadata.name: %s", strings.Join(msgs, "; "))
	}
	return nil
}
