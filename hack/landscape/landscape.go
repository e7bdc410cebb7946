package landscape

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// FieldManager is the server-side apply field manager of everything Install writes.
const FieldManager = "gardenfleet-landscape"

// Annotations and values the landscape's rules and simulator act on.
const (
	// DeletionConfirmationAnnotation must be "true" on a Shoot or Project before it may be deleted.
	DeletionConfirmationAnnotation = "confirmation.gardener.cloud/deletion"
	// TenantAnnotation names a metal shoot's tenant; required and immutable for provider metal.
	TenantAnnotation = "cluster.metal-stack.io/tenant"
)

var (
	//go:embed crds/*.yaml
	crdFiles embed.FS
	//go:embed policies/*.yaml
	policyFiles embed.FS
	//go:embed objects/*.yaml
	objectFiles embed.FS
)

// CRDs returns the CustomResourceDefinitions of the landscape, sorted by file name.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	docs, err := readDocs(crdFiles, "crds")
	if err != nil {
		return nil, err
	}
	crds := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(docs))
	for _, d := range docs {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(d.data, crd); err != nil {
			return nil, fmt.Errorf("decode CRD in %s: %w", d.file, err)
		}
		crds = append(crds, crd)
	}
	return crds, nil
}

// Policies returns the ValidatingAdmissionPolicies and their bindings, each policy before
// its binding.
func Policies() ([]client.Object, error) {
	docs, err := readDocs(policyFiles, "policies")
	if err != nil {
		return nil, err
	}
	objs := make([]client.Object, 0, len(docs))
	for _, d := range docs {
		meta := &metav1.TypeMeta{}
		if err := yaml.Unmarshal(d.data, meta); err != nil {
			return nil, fmt.Errorf("decode policy in %s: %w", d.file, err)
		}
		var obj client.Object
		switch meta.Kind {
		case "ValidatingAdmissionPolicy":
			obj = &admissionregistrationv1.ValidatingAdmissionPolicy{}
		case "ValidatingAdmissionPolicyBinding":
			obj = &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
		default:
			return nil, fmt.Errorf("decode policy in %s: unexpected kind %q", d.file, meta.Kind)
		}
		if err := yaml.UnmarshalStrict(d.data, obj); err != nil {
			return nil, fmt.Errorf("decode %s in %s: %w", meta.Kind, d.file, err)
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

// CloudProfiles returns the CloudProfiles `metal` and `local`.
func CloudProfiles() ([]*unstructured.Unstructured, error) {
	docs, err := readDocs(objectFiles, "objects")
	if err != nil {
		return nil, err
	}
	objs := make([]*unstructured.Unstructured, 0, len(docs))
	for _, d := range docs {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(d.data, &u.Object); err != nil {
			return nil, fmt.Errorf("decode object in %s: %w", d.file, err)
		}
		objs = append(objs, u)
	}
	return objs, nil
}

type doc struct {
	file string
	data []byte
}

// readDocs splits every YAML file under dir into its documents, in file name order.
func readDocs(fsys embed.FS, dir string) ([]doc, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded %s: %w", dir, err)
	}
	var docs []doc
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		data, err := fsys.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read embedded %s: %w", name, err)
		}
		r := utilyaml.NewYAMLReader(bufioReader(data))
		for {
			b, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("split %s: %w", name, err)
			}
			if len(bytes.TrimSpace(stripComments(b))) == 0 {
				continue
			}
			docs = append(docs, doc{file: name, data: b})
		}
	}
	return docs, nil
}

// InstallOptions tunes Install.
type InstallOptions struct {
	// Timeout bounds waiting for the CRDs to be established and the policies to take effect.
	Timeout time.Duration
	// SkipCloudProfiles leaves the CloudProfiles out.
	SkipCloudProfiles bool
}

// DefaultInstallOptions returns the options Install uses when given none.
func DefaultInstallOptions() InstallOptions {
	return InstallOptions{Timeout: time.Minute}
}

// Install server-side applies the CRDs, policies and CloudProfiles, and returns once the
// CRDs serve and the policies reject what they should, so callers can rely on every rule
// right away. It is idempotent.
func Install(ctx context.Context, c client.Client, opts InstallOptions) error {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultInstallOptions().Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	crds, err := CRDs()
	if err != nil {
		return err
	}
	for _, crd := range crds {
		if err := apply(ctx, c, crd); err != nil {
			return err
		}
	}
	for _, crd := range crds {
		if err := waitEstablished(ctx, c, crd.Name); err != nil {
			return err
		}
	}

	policies, err := Policies()
	if err != nil {
		return err
	}
	for _, p := range policies {
		if err := apply(ctx, c, p); err != nil {
			return err
		}
	}

	if !opts.SkipCloudProfiles {
		profiles, err := CloudProfiles()
		if err != nil {
			return err
		}
		for _, p := range profiles {
			if err := apply(ctx, c, p); err != nil {
				return err
			}
		}
	}
	return waitPoliciesEffective(ctx, c)
}

func apply(ctx context.Context, c client.Client, obj runtime.Object) error {
	u := &unstructured.Unstructured{}
	if uo, ok := obj.(*unstructured.Unstructured); ok {
		u = uo.DeepCopy()
	} else {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return fmt.Errorf("convert %T: %w", obj, err)
		}
		u.Object = m
	}
	// Apply configurations carry no server-populated fields.
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	id := u.GetKind() + "/" + u.GetName()
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		return fmt.Errorf("%s apply failed: %w", id, err)
	}
	return nil
}

func waitEstablished(ctx context.Context, c client.Client, name string) error {
	var last string
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, types.NamespacedName{Name: name}, crd); err != nil {
			last = err.Error()
			return false, nil
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextensionsv1.NonStructuralSchema && cond.Status == apiextensionsv1.ConditionTrue {
				return false, fmt.Errorf("CustomResourceDefinition/%s is not structural: %s", name, cond.Message)
			}
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
			last = string(cond.Type) + ": " + cond.Message
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("CustomResourceDefinition/%s wait established failed (last: %s): %w", name, last, err)
	}
	// The discovery and REST mappings of a fresh CRD lag behind Established; a list
	// through the new resource proves it serves.
	return waitServing(ctx, c, name)
}

func waitServing(ctx context.Context, c client.Client, name string) error {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := c.Get(ctx, types.NamespacedName{Name: name}, crd); err != nil {
		return fmt.Errorf("CustomResourceDefinition/%s get failed: %w", name, err)
	}
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion(crd.Spec.Group + "/" + crd.Spec.Versions[0].Name)
	list.SetKind(crd.Spec.Names.ListKind)
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		last = c.List(ctx, list, client.Limit(1))
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("CustomResourceDefinition/%s wait serving failed (last: %v): %w", name, last, err)
	}
	return nil
}

// waitPoliciesEffective returns once the admission policies reject a dry-run request that
// breaks them: a policy takes effect some time after it is created, and a test that deletes
// a shoot right after Install must meet the rule.
func waitPoliciesEffective(ctx context.Context, c client.Client) error {
	probe := &unstructured.Unstructured{}
	probe.SetAPIVersion("core.gardener.cloud/v1beta1")
	probe.SetKind("Project")
	probe.SetName("landscape-policy-probe")
	if err := c.Create(ctx, probe); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("Project/%s create failed: %w", probe.GetName(), err)
	}
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		last = c.Delete(ctx, probe.DeepCopy(), client.DryRunAll)
		return apierrors.IsForbidden(last), nil
	})
	if err != nil {
		return fmt.Errorf("deletion confirmation policy not effective (last: %v): %w", last, err)
	}
	// Remove the probe the way Gardener wants it removed.
	patch := []byte(`{"metadata":{"annotations":{"` + DeletionConfirmationAnnotation + `":"true"}}}`)
	if err := c.Patch(ctx, probe, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("Project/%s confirm deletion failed: %w", probe.GetName(), err)
	}
	if err := c.Delete(ctx, probe); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("Project/%s delete failed: %w", probe.GetName(), err)
	}

	shoot := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "core.gardener.cloud/v1beta1",
		"kind":       "Shoot",
		"metadata":   map[string]any{"name": "landscape-policy-probe", "namespace": metav1.NamespaceDefault},
		"spec": map[string]any{
			"region":     "local",
			"kubernetes": map[string]any{"version": "1.35.6"},
			"provider": map[string]any{
				"type": "metal",
				"infrastructureConfig": map[string]any{
					"apiVersion": "metal.provider.extensions.gardener.cloud/v1alpha1",
					"kind":       "InfrastructureConfig",
				},
				"workers": []any{map[string]any{"name": "probe", "minimum": int64(1), "maximum": int64(1)}},
			},
		},
	}}
	err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		last = c.Create(ctx, shoot.DeepCopy(), client.DryRunAll)
		return apierrors.IsForbidden(last) && strings.Contains(last.Error(), TenantAnnotation), nil
	})
	if err != nil {
		return fmt.Errorf("metal tenant policy not effective (last: %v): %w", last, err)
	}
	return nil
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// stripComments drops comment lines, so a document of only comments counts as empty.
func stripComments(b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			continue
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out
}
