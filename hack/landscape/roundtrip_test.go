package landscape_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// renderedExample is render's golden output of examples/fleet: what gardenfleet applies.
const renderedExample = "../../render/testdata/example/rendered.yaml"

// TestRenderedExampleRoundTrips applies the rendered example fleet with server-side apply
// and reads every object back: each field gardenfleet renders must come back as written.
// A field the CRD schemas do not type would be pruned here, and in a real landscape that
// is endless drift.
func TestRenderedExampleRoundTrips(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	data, err := os.ReadFile(filepath.FromSlash(renderedExample))
	if err != nil {
		t.Fatalf("read render's golden example: %v", err)
	}
	objs := decodeAll(t, data)
	if len(objs) == 0 {
		t.Fatal("the rendered example holds no objects")
	}
	// No simulator runs here to play the project controller.
	for _, o := range objs {
		if o.GetNamespace() == "" {
			continue
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.GetNamespace()}}
		if err := env.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	for _, o := range objs {
		t.Run(o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName(), func(t *testing.T) {
			if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()), client.FieldOwner("gardenfleet"), client.ForceOwnership); err != nil {
				t.Fatalf("apply: %v", err)
			}
			live := &unstructured.Unstructured{}
			live.SetGroupVersionKind(o.GroupVersionKind())
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(o), live); err != nil {
				t.Fatalf("get: %v", err)
			}
			want := o.Object
			got := project(live.Object, want).(map[string]any)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fields lost or changed by the API server (-applied +live):\n%s", diff)
			}
		})
	}
}

// project keeps of got only what shape has, so the comparison ignores fields the server adds.
func project(got, shape any) any {
	switch s := shape.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := map[string]any{}
		for k, v := range s {
			if gv, ok := g[k]; ok {
				out[k] = project(gv, v)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(s) {
			return got
		}
		out := make([]any, len(g))
		for i := range g {
			out[i] = project(g[i], s[i])
		}
		return out
	default:
		return got
	}
}

func decodeAll(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("split YAML: %v", err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if string(js) == "null" {
			continue
		}
		// JSON decoding through unstructured keeps integers int64, as the server returns them.
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			t.Fatalf("decode: %v", err)
		}
		objs = append(objs, u)
	}
}
