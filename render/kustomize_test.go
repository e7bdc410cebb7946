package render_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

func TestOverlay(t *testing.T) {
	t.Parallel()
	project := fleet.Project{Name: "a", Namespace: "garden-a"}
	tests := []struct {
		name       string
		files      map[string]string
		wantLabels map[string]string
		wantErr    string
	}{
		{
			name:       "labels on every object",
			files:      map[string]string{"kustomization.yaml": "labels:\n- pairs: {team: x}\n"},
			wantLabels: map[string]string{"team": "x"},
		},
		{
			name: "strategic merge patch from a local file",
			files: map[string]string{
				"kustomization.yaml": "patches:\n- path: patch.yaml\n",
				"patch.yaml":         "apiVersion: core.gardener.cloud/v1beta1\nkind: Project\nmetadata:\n  name: a\n  labels: {patched: \"yes\"}\n",
			},
			wantLabels: map[string]string{"patched": "yes"},
		},
		{
			name: "patchesStrategicMerge from a file and inline",
			files: map[string]string{
				"kustomization.yaml": "patchesStrategicMerge:\n- patch.yaml\n- |\n  apiVersion: core.gardener.cloud/v1beta1\n  kind: Project\n  metadata:\n    name: a\n    labels: {inline: \"yes\"}\n",
				"patch.yaml":         "apiVersion: core.gardener.cloud/v1beta1\nkind: Project\nmetadata:\n  name: a\n  labels: {patched: \"yes\"}\n",
			},
			wantLabels: map[string]string{"patched": "yes", "inline": "yes"},
		},
		{
			name: "component, replacements and a generated ConfigMap from local files",
			files: map[string]string{
				"kustomization.yaml":      "components:\n- ./comp/\nconfigMapGenerator:\n- name: team\n  files:\n  - team=data/team.txt\n  envs:\n  - data/env\n  options: {disableNameSuffixHash: true}\nreplacements:\n- path: r.yaml\n",
				"comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n- pairs: {from: component}\n",
				"data/team.txt":           "x",
				"data/env":                "k=v\n",
				"r.yaml":                  "- source: {kind: ConfigMap, name: team, fieldPath: data.team}\n  targets:\n  - select: {kind: Project}\n    fieldPaths: [metadata.labels.team]\n    options: {create: true}\n",
			},
			wantLabels: map[string]string{"from": "component", "team": "x"},
		},
		{
			name:    "remote base refused",
			files:   map[string]string{"kustomization.yaml": "resources:\n- https://github.com/example/repo//base?ref=main\n"},
			wantErr: `kustomize/kustomization.yaml: resources[0]: "https://github.com/example/repo//base?ref=main" refused: not a file of the overlay (an overlay may only use its own files)`,
		},
		{
			name:    "go-getter style remote component refused",
			files:   map[string]string{"kustomization.yaml": "components:\n- github.com/example/repo/component\n"},
			wantErr: `kustomize/kustomization.yaml: components[0]: "github.com/example/repo/component" refused: not a file of the overlay (an overlay may only use its own files)`,
		},
		{
			name:    "no kustomization",
			files:   map[string]string{"patch.yaml": "x: 1\n"},
			wantErr: `kustomize: no kustomization.yaml in the overlay directory`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := &fleet.Overlay{Files: map[string][]byte{}}
			for k, v := range tt.files {
				o.Files[k] = []byte(v)
			}
			res, err := render.Fleet(&fleet.Fleet{Projects: []fleet.Project{project}, Overlay: o})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Objects) == 0 || res.Objects[0].GetKind() != "Project" {
				t.Fatalf("got %d objects, want the Project first", len(res.Objects))
			}
			if diff := cmp.Diff(tt.wantLabels, res.Objects[0].GetLabels()); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
		})
	}
}

// Keys a YAML resolver would read as something else survive an overlay
// that rewrites the object's labels and annotations and patches its spec.
func TestOverlayKeepsKeys(t *testing.T) {
	t.Parallel()
	keys := []string{"<<", "0x10", "2024-01-01", "null", "true", "~", "1e3", "0o17", "y", "on", "gardenfleet.escaped-key:<<"}
	strs := map[string]string{}
	obj := fleet.Object{}
	for i, k := range keys {
		strs[k] = k
		obj[k] = map[string]any{k: int64(i)}
	}
	shoot := fleet.Shoot{
		Name: "s", Project: "p", Namespace: "garden-p",
		Labels: strs, Annotations: strs,
		Networking: fleet.Networking{ProviderConfig: obj},
		Extensions: []fleet.Extension{{Type: "x", ProviderConfig: obj}},
	}
	plain, err := render.Fleet(&fleet.Fleet{Shoots: []fleet.Shoot{shoot}})
	if err != nil {
		t.Fatal(err)
	}
	o := &fleet.Overlay{Files: map[string][]byte{
		"kustomization.yaml": []byte("commonAnnotations: {added: z}\nlabels:\n- pairs: {team: x}\npatches:\n- path: patch.yaml\n"),
		"patch.yaml":         []byte("apiVersion: core.gardener.cloud/v1beta1\nkind: Shoot\nmetadata:\n  name: s\n  namespace: garden-p\nspec:\n  purpose: testing\n"),
	}}
	res, err := render.Fleet(&fleet.Fleet{Shoots: []fleet.Shoot{shoot}, Overlay: o})
	if err != nil {
		t.Fatal(err)
	}
	want := plain.Objects[0].DeepCopy()
	want.SetLabels(map[string]string{"team": "x"})
	want.SetAnnotations(map[string]string{"added": "z"})
	labels, annotations := want.GetLabels(), want.GetAnnotations()
	for k, v := range strs {
		labels[k], annotations[k] = v, v
	}
	for k, v := range plain.Objects[0].GetAnnotations() {
		annotations[k] = v
	}
	want.SetLabels(labels)
	want.SetAnnotations(annotations)
	if err := unstructured.SetNestedField(want.Object, "testing", "spec", "purpose"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Object, res.Objects[0].Object); diff != "" {
		t.Errorf("object after overlay (-want +got):\n%s", diff)
	}
}

// A panic in kustomize is an error of the overlay, not of the process.
func TestOverlayPanicIsError(t *testing.T) {
	t.Parallel()
	shoot := fleet.Shoot{Name: "s", Project: "p", Namespace: "garden-p", Annotations: map[string]string{"": "x"}}
	o := &fleet.Overlay{Files: map[string][]byte{"kustomization.yaml": []byte("commonAnnotations: {added: z}\n")}}
	_, err := render.Fleet(&fleet.Fleet{Shoots: []fleet.Shoot{shoot}, Overlay: o})
	const want = "kustomize/kustomization.yaml: kustomize panicked: wrong node kind: expected ScalarNode but got MappingNode: node contents:\n{}\n"
	var oe *render.OverlayError
	if err == nil || err.Error() != want || !errors.As(err, &oe) {
		t.Fatalf("error = %q, want OverlayError %q", err, want)
	}
}

// The overlay vetting knows every field of a kustomization: a kustomize
// upgrade that adds one fails here until vet in kustomize.go has been
// checked for it (paths rewritten, plugin or program fields refused).
func TestOverlayKnowsKustomizationFields(t *testing.T) {
	t.Parallel()
	vetted := map[string][]string{
		"Kustomization": {
			"kind", "apiVersion", "metadata", "openapi", "namePrefix", "nameSuffix", "namespace",
			"commonLabels", "labels", "commonAnnotations", "patchesStrategicMerge", "patchesJson6902",
			"patches", "images", "imageTags", "replacements", "replicas", "vars", "sortOptions",
			"resources", "components", "crds", "bases", "configMapGenerator", "secretGenerator",
			"helmGlobals", "helmCharts", "helmChartInflationGenerator", "generatorOptions",
			"configurations", "generators", "transformers", "validators", "buildMetadata",
		},
		"Patch":            {"path", "patch", "target", "options"},
		"ReplacementField": {"source", "targets", "sourceValue", "path"},
		"KvPairSources":    {"literals", "files", "envs", "env"},
		"GeneratorArgs":    {"namespace", "name", "behavior", "literals", "files", "envs", "env", "options"},
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[types.Kustomization](), reflect.TypeFor[types.Patch](), reflect.TypeFor[types.ReplacementField](),
		reflect.TypeFor[types.KvPairSources](), reflect.TypeFor[types.GeneratorArgs](),
	} {
		if diff := cmp.Diff(vetted[typ.Name()], jsonFields(typ)); diff != "" {
			t.Errorf("fields of %s (-vetted +kustomize):\n%s", typ.Name(), diff)
		}
	}
}

func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			names = append(names, jsonFields(f.Type)...)
			continue
		}
		names = append(names, name)
	}
	return names
}
