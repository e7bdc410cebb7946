package landscape_test

import (
	"context"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/hack/landscape"
)

// TestDeletionConfirmation proves Gardener's deletion confirmation: a Shoot or Project goes
// only with confirmation.gardener.cloud/deletion set to a true value.
func TestDeletionConfirmation(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	ns := env.NewNamespace(t)
	const refused = `ValidatingAdmissionPolicy 'gardener-deletion-confirmation' with binding 'gardener-deletion-confirmation' denied request: must have a "confirmation.gardener.cloud/deletion" annotation to delete`

	project := func(name string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("core.gardener.cloud/v1beta1")
		u.SetKind("Project")
		u.SetName(name)
		return u
	}
	tests := []struct {
		name       string
		obj        *unstructured.Unstructured
		annotation *string
		wantErr    string
	}{
		{name: "shoot without annotation", obj: shoot().build(ns, "d1"), wantErr: refused},
		{name: "shoot confirmed false", obj: shoot().build(ns, "d2"), annotation: ptr("false"), wantErr: refused},
		{name: "shoot confirmed with a non-boolean", obj: shoot().build(ns, "d3"), annotation: ptr("yes"), wantErr: refused},
		{name: "shoot confirmed", obj: shoot().build(ns, "d4"), annotation: ptr("true")},
		{name: "shoot confirmed the strconv.ParseBool way", obj: shoot().build(ns, "d5"), annotation: ptr("T")},
		{name: "project without annotation", obj: project("deletion-p1"), wantErr: refused},
		{name: "project confirmed", obj: project("deletion-p2"), annotation: ptr("true")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := tt.obj
			if tt.annotation != nil {
				obj.SetAnnotations(map[string]string{landscape.DeletionConfirmationAnnotation: *tt.annotation})
			}
			if err := env.Client.Create(ctx, obj); err != nil {
				t.Fatalf("create: %v", err)
			}
			err := env.Client.Delete(ctx, obj)
			if got := forbiddenDetail(err, obj); got != tt.wantErr {
				t.Fatalf("delete error mismatch\n got: %s\nwant: %s", got, tt.wantErr)
			}
			// A refused object is still there; a confirmed one is gone (nothing holds a finalizer here).
			getErr := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj.DeepCopy())
			if gone := apierrors.IsNotFound(getErr); gone != (tt.wantErr == "") {
				t.Fatalf("after delete: get error %v, want gone=%t", getErr, tt.wantErr == "")
			}
		})
	}
}

// TestInstall checks that installing again changes nothing and that the CloudProfiles
// carry the version list tests rely on.
func TestInstall(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	if err := landscape.Install(ctx, env.Client, landscape.DefaultInstallOptions()); err != nil {
		t.Fatalf("second install: %v", err)
	}

	for _, name := range []string{"metal", "local"} {
		cp := &unstructured.Unstructured{}
		cp.SetAPIVersion("core.gardener.cloud/v1beta1")
		cp.SetKind("CloudProfile")
		if err := env.Client.Get(ctx, types.NamespacedName{Name: name}, cp); err != nil {
			t.Fatalf("get CloudProfile/%s: %v", name, err)
		}
		versions, _, _ := unstructured.NestedSlice(cp.Object, "spec", "kubernetes", "versions")
		got := map[string][]string{}
		for _, v := range versions {
			m := v.(map[string]any)
			got[m["classification"].(string)] = append(got[m["classification"].(string)], m["version"].(string))
		}
		want := map[string][]string{
			"preview":    {"1.37.2"},
			"supported":  {"1.37.1", "1.36.4", "1.35.6", "1.34.8"},
			"deprecated": {"1.36.3", "1.36.2", "1.35.5", "1.35.4", "1.34.7", "1.33.10"},
			"expired":    {"1.33.9"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CloudProfile/%s versions by classification (-want +got):\n%s", name, diff)
		}
		if typ, _, _ := unstructured.NestedString(cp.Object, "spec", "type"); typ != name {
			t.Errorf("CloudProfile/%s spec.type = %q, want %q", name, typ, name)
		}
	}
}

func forbiddenDetail(err error, obj *unstructured.Unstructured) string {
	if err == nil {
		return ""
	}
	prefix := `shoots.core.gardener.cloud "` + obj.GetName() + `" is forbidden: `
	if obj.GetKind() == "Project" {
		prefix = `projects.core.gardener.cloud "` + obj.GetName() + `" is forbidden: `
	}
	s := err.Error()
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}

func ptr[T any](v T) *T { return &v }
