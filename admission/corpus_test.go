package admission

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// project and the shoots below are what gardenfleet renders for a
// workerless shoot and a shoot with one pool.
const project = `
apiVersion: core.gardener.cloud/v1beta1
kind: Project
metadata:
  name: platform
spec:
  description: Shared platform services
  namespace: garden-platform
`

const workerless = `
apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: cp
  namespace: garden-platform
spec:
  cloudProfile:
    kind: CloudProfile
    name: local
  kubernetes:
    version: "1.36.2"
  maintenance:
    timeWindow:
      begin: "030000+0100"
      end: "040000+0100"
  networking:
    services: "10.248.0.0/18"
  provider:
    type: local
  purpose: production
  region: local
`

const withWorkers = `
apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: web
  namespace: garden-platform
spec:
  cloudProfile:
    kind: CloudProfile
    name: local
  credentialsBindingName: local
  kubernetes:
    version: "1.36.2"
  networking:
    type: calico
    pods: "10.240.0.0/13"
    services: "10.248.0.0/18"
  provider:
    type: local
    workers:
    - name: blue
      machine:
        type: local
        image: {name: local, version: "1.0.0"}
      minimum: 1
      maximum: 2
  purpose: production
  region: local
`

func decodeOne(t *testing.T, src string) *unstructured.Unstructured {
	t.Helper()
	objs, err := Decode("test", []byte(src))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v (%d objects)", err, len(objs))
	}
	return objs[0]
}

func garden(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile("testdata/garden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode("testdata/garden.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func set(t *testing.T, o *unstructured.Unstructured, value any, path ...string) *unstructured.Unstructured {
	t.Helper()
	if err := unstructured.SetNestedField(o.Object, value, path...); err != nil {
		t.Fatal(err)
	}
	return o
}

func messages(res *Result) []string {
	var out []string
	for _, r := range res.Refusals {
		for _, v := range r.Violations {
			out = append(out, r.Kind+" "+r.Name+": "+v.Message)
		}
	}
	return out
}

// TestCorpus holds each refusal of the issue to Gardener's own message.
func TestCorpus(t *testing.T) {
	tests := []struct {
		name  string
		gates string
		obj   func(t *testing.T) *unstructured.Unstructured
		want  []string
	}{
		{
			name: "valid workerless shoot",
			obj:  func(t *testing.T) *unstructured.Unstructured { return decodeOne(t, workerless) },
		},
		{
			name: "valid shoot with workers",
			obj:  func(t *testing.T) *unstructured.Unstructured { return decodeOne(t, withWorkers) },
		},
		{
			name: "anonymous authentication on 1.36",
			obj: func(t *testing.T) *unstructured.Unstructured {
				return set(t, decodeOne(t, workerless), false, "spec", "kubernetes", "kubeAPIServer", "enableAnonymousAuthentication")
			},
			want: []string{"Shoot cp: spec.kubernetes.kubeAPIServer.enableAnonymousAuthentication: Forbidden: for Kubernetes versions >= 1.35, enableAnonymousAuthentication field is no longer supported"},
		},
		{
			name: "nodeCIDRMaskSizeIPv6 on a workerless shoot",
			obj: func(t *testing.T) *unstructured.Unstructured {
				return set(t, decodeOne(t, workerless), int64(64), "spec", "kubernetes", "kubeControllerManager", "nodeCIDRMaskSizeIPv6")
			},
			want: []string{"Shoot cp: spec.kubernetes.kubeControllerManager.nodeCIDRMaskSizeIPv6: Forbidden: this field should not be set for workerless Shoot clusters"},
		},
		{
			name: "networking type on a workerless shoot",
			obj: func(t *testing.T) *unstructured.Unstructured {
				return set(t, decodeOne(t, workerless), "calico", "spec", "networking", "type")
			},
			want: []string{"Shoot cp: spec.networking.type: Forbidden: this field should not be set for workerless Shoot clusters"},
		},
		{
			name: "version missing from the CloudProfile",
			obj: func(t *testing.T) *unstructured.Unstructured {
				return set(t, decodeOne(t, workerless), "1.36.9", "spec", "kubernetes", "version")
			},
			want: []string{`Shoot cp: spec.kubernetes.version: Unsupported value: "1.36.9": supported values: "1.36.2", "1.35.4", "1.34.8"`},
		},
		{
			name: "expired version for a new shoot",
			obj: func(t *testing.T) *unstructured.Unstructured {
				return set(t, decodeOne(t, workerless), "1.33.9", "spec", "kubernetes", "version")
			},
			want: []string{`Shoot cp: spec.kubernetes.version: Unsupported value: "1.33.9": supported values: "1.36.2", "1.35.4", "1.34.8"`},
		},
		{
			name: "expired version of a pool",
			obj: func(t *testing.T) *unstructured.Unstructured {
				o := decodeOne(t, withWorkers)
				workers, _, _ := unstructured.NestedSlice(o.Object, "spec", "provider", "workers")
				workers[0].(map[string]any)["kubernetes"] = map[string]any{"version": "1.33.9"}
				return set(t, o, workers, "spec", "provider", "workers")
			},
			want: []string{`Shoot web: spec.provider.workers[0].kubernetes.version: Unsupported value: "1.33.9": supported values: "1.36.2", "1.35.4", "1.34.8"`},
		},
		{
			name: "project description with an apostrophe",
			obj: func(t *testing.T) *unstructured.Unstructured {
				return set(t, decodeOne(t, project), "Product teams' clusters", "spec", "description")
			},
			want: []string{`Project platform: spec.description: Forbidden: must not contain invalid character: ['\'']`},
		},
		{
			name: "project description with parentheses",
			obj: func(t *testing.T) *unstructured.Unstructured {
				return set(t, decodeOne(t, project), "Clusters (shared)", "spec", "description")
			},
			want: []string{`Project platform: spec.description: Forbidden: must not contain invalid character: ['(' ')']`},
		},
		{
			name: "in-place updates without the feature gate",
			obj:  inPlace,
			want: []string{`Shoot web: spec.provider.workers[0].updateStrategy: Invalid value: "AutoInPlaceUpdate": can not configure ` + "`AutoInPlaceUpdate` or `ManualInPlaceUpdate` update strategies when the `InPlaceNodeUpdates` feature gate is disabled."},
		},
		{
			name:  "in-place updates with the feature gate",
			gates: "InPlaceNodeUpdates=true",
			obj:   inPlace,
			// Past the gate: the CloudProfile must allow it.
			want: []string{`Shoot web: spec.provider.workers[0].machine.image: Invalid value: {"Name":"local","ProviderConfig":null,"Version":"1.0.0"}: machine image version 'local:1.0.0' does not support in-place updates, supported machine image versions are: []`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := New(tt.gates)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.AddGarden(garden(t)...); err != nil {
				t.Fatal(err)
			}
			objs := []*unstructured.Unstructured{tt.obj(t)}
			if objs[0].GetKind() != "Project" {
				objs = append(objs, decodeOne(t, project))
			}
			res, err := j.Admit(context.Background(), objs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, messages(res)); diff != "" {
				t.Errorf("refusals (-want +got):\n%s", diff)
				t.Logf("got:\n%s", strings.Join(messages(res), "\n"))
			}
		})
	}
}

func inPlace(t *testing.T) *unstructured.Unstructured {
	o := decodeOne(t, withWorkers)
	workers, _, _ := unstructured.NestedSlice(o.Object, "spec", "provider", "workers")
	workers[0].(map[string]any)["updateStrategy"] = "AutoInPlaceUpdate"
	return set(t, o, workers, "spec", "provider", "workers")
}
