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
	"time"

	metalcharts "github.com/metal-stack/gardener-extension-provider-metal/charts"
	clabernetesassets "github.com/srl-labs/clabernetes/assets"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
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

// GardenNamespace is the namespace of the garden's own project.
const GardenNamespace = "garden"

var (
	//go:embed objects/*.yaml
	objectFiles embed.FS
	//go:embed credentials/*.yaml
	credentialFiles embed.FS
)

// crdFiles are the upstream CRDs of the APIs gardener-apiserver does not serve, as the
// modules ship them: clabernetes' Topology (its assets/crd) and firewall-controller-manager's
// FirewallDeployment (as provider-metal deploys it, charts/internal/crds-firewall).
var crdFiles = []struct {
	fsys fs.FS
	file string
}{
	{clabernetesassets.Assets, "crd/clabernetes.containerlab.dev_topologies.yaml"},
	{metalcharts.InternalChart, "internal/crds-firewall/templates/firewall-controller-manager/firewall.metal-stack.io_firewalldeployments.yaml"},
}

// CRDs returns the CustomResourceDefinitions of the APIs gardener-apiserver does not
// serve: clabernetes' Topology and metal-stack's FirewallDeployment, upstream's own.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var docs []doc
	for _, f := range crdFiles {
		d, err := splitDocs(f.fsys, f.file)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
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

// Objects returns the garden's objects: the CloudProfiles `metal` and `local`, the
// ControllerRegistrations, and the garden project with its namespace.
func Objects() ([]*unstructured.Unstructured, error) {
	return readObjects(objectFiles, "objects")
}

// CloudProfiles returns the CloudProfiles `metal` and `local`.
func CloudProfiles() ([]*unstructured.Unstructured, error) {
	objs, err := Objects()
	if err != nil {
		return nil, err
	}
	var profiles []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "CloudProfile" {
			profiles = append(profiles, o)
		}
	}
	return profiles, nil
}

// Credentials returns what a project's members put into the project's namespace before
// creating shoots: the CredentialsBindings `metal-credentials` (provider metal) and
// `creds` (provider local), each with its Secret.
func Credentials(namespace string) ([]*unstructured.Unstructured, error) {
	objs, err := readObjects(credentialFiles, "credentials")
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		o.SetNamespace(namespace)
		if o.GetKind() == "CredentialsBinding" {
			if err := unstructured.SetNestedField(o.Object, namespace, "credentialsRef", "namespace"); err != nil {
				return nil, fmt.Errorf("CredentialsBinding/%s: %w", o.GetName(), err)
			}
		}
	}
	return objs, nil
}

func readObjects(fsys embed.FS, dir string) ([]*unstructured.Unstructured, error) {
	docs, err := readDocs(fsys, dir)
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
		d, err := splitDocs(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
	}
	return docs, nil
}

// splitDocs splits the YAML file name of fsys into its documents.
func splitDocs(fsys fs.FS, name string) ([]doc, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read embedded %s: %w", name, err)
	}
	var docs []doc
	r := utilyaml.NewYAMLReader(bufioReader(data))
	for {
		b, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
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

// InstallOptions tunes Install.
type InstallOptions struct {
	// Timeout bounds waiting for the CRDs to be established and Gardener's admission to
	// see the garden's objects.
	Timeout time.Duration
}

// DefaultInstallOptions returns the options Install uses when given none.
func DefaultInstallOptions() InstallOptions {
	return InstallOptions{Timeout: time.Minute}
}

// Install server-side applies the CRDs, the garden's objects and the garden project's
// credentials into a garden whose gardener-apiserver serves, and returns once the CRDs
// serve and Gardener's admission admits a shoot in the garden namespace, so callers can
// rely on every object right away. It is idempotent.
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
	objs, err := Objects()
	if err != nil {
		return err
	}
	creds, err := Credentials(GardenNamespace)
	if err != nil {
		return err
	}
	for _, o := range append(objs, creds...) {
		if err := apply(ctx, c, o); err != nil {
			return err
		}
	}
	for _, crd := range crds {
		if err := waitEstablished(ctx, c, crd.Name); err != nil {
			return err
		}
	}
	return WaitAdmission(ctx, c, GardenNamespace)
}

// ProbeShoot is a shoot of provider local with one pool, CredentialsBinding creds and
// networking calico in namespace: Gardener admits it once its admission knows the
// namespace's project, its credentials, the CloudProfile local and the registrations.
func ProbeShoot(namespace string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "core.gardener.cloud/v1beta1",
		"kind":       "Shoot",
		"metadata":   map[string]any{"name": "probe", "namespace": namespace},
		"spec": map[string]any{
			"cloudProfile":           map[string]any{"kind": "CloudProfile", "name": "local"},
			"credentialsBindingName": "creds",
			"region":                 "local",
			"kubernetes":             map[string]any{"version": "1.36.4"},
			"networking":             map[string]any{"type": "calico", "pods": "10.240.0.0/13", "services": "10.248.0.0/18"},
			"provider": map[string]any{
				"type": "local",
				"workers": []any{map[string]any{
					"name": "probe", "minimum": int64(1), "maximum": int64(1),
					"machine": map[string]any{"type": "local", "image": map[string]any{"name": "local", "version": "1.0.0"}},
				}},
			},
		},
	}}
}

// WaitAdmission returns once a dry run of ProbeShoot in namespace passes: gardener-apiserver's
// admission reads the garden's objects from informers, which lag behind their creation.
func WaitAdmission(ctx context.Context, c client.Client, namespace string) error {
	last, err := WaitDryRun(ctx, c, ProbeShoot(namespace), func(err error) bool { return err == nil })
	if err != nil {
		return fmt.Errorf("Gardener's admission does not admit a shoot in namespace %s (last: %v): %w", namespace, last, err) //nolint:errorlint,staticcheck // the last attempt's error may be nil: context, not the cause; ST1005: Gardener is a name
	}
	return nil
}

// WaitDryRun repeats a dry-run create of probe until done accepts its outcome (nil when
// admitted) or ctx ends, and returns the last outcome.
func WaitDryRun(ctx context.Context, c client.Client, probe *unstructured.Unstructured, done func(error) bool) (last, err error) {
	err = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		last = c.Create(ctx, probe.DeepCopy(), client.DryRunAll)
		return done(last), nil
	})
	return last, err
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
		return fmt.Errorf("CustomResourceDefinition/%s wait serving failed (last: %v): %w", name, last, err) //nolint:errorlint // the last attempt's error may be nil: context, not the cause
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
