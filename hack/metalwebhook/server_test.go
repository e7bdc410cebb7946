package metalwebhook

import (
	"context"
	"encoding/json"
	"testing"

	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// TestHandle: the handler decodes the review's Shoots, reads the CloudProfile and answers
// as upstream's handler does (Denied with the refusal's text).
func TestHandle(t *testing.T) {
	t.Parallel()
	scheme := apiruntime.NewScheme()
	coreinstall.Install(scheme)
	profile := &gardencorev1beta1.CloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "metal"},
		Spec: gardencorev1beta1.CloudProfileSpec{
			Type:          "metal",
			Regions:       []gardencorev1beta1.Region{{Name: "local", Zones: []gardencorev1beta1.AvailabilityZone{{Name: "mini-lab"}}}},
			MachineImages: []gardencorev1beta1.MachineImage{{Name: "debian", Versions: []gardencorev1beta1.MachineImageVersion{{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "12.0.20251120"}}}}},
		},
	}
	v := &validator{
		client:  fake.NewClientBuilder().WithScheme(scheme).WithObjects(profile).Build(),
		decoder: serializer.NewCodecFactory(scheme).UniversalDecoder(),
	}
	probe, err := ProbeShoot("garden")
	if err != nil {
		t.Fatal(err)
	}
	infra := map[string]any{
		"apiVersion": "metal.provider.extensions.gardener.cloud/v1alpha1", "kind": "InfrastructureConfig",
		"partitionID": "mini-lab", "projectID": "p-1",
		"firewall": map[string]any{"image": "firewall-ubuntu-3.0", "size": "v1-small-x86", "networks": []any{"internet"}},
	}
	valid := probe.DeepCopy()
	valid.SetAnnotations(map[string]string{"cluster.metal-stack.io/tenant": "t-1"})
	valid.Object["spec"].(map[string]any)["provider"].(map[string]any)["infrastructureConfig"] = infra
	otherTenant := valid.DeepCopy()
	otherTenant.SetAnnotations(map[string]string{"cluster.metal-stack.io/tenant": "t-2"})

	tests := []struct {
		name     string
		obj, old any
		want     string
	}{
		{name: "valid", obj: valid.Object},
		{name: "no InfrastructureConfig", obj: probe.Object, want: "spec.provider.infrastructureConfig: Required value: InfrastructureConfig must be set for metal shoots"},
		{name: "tenant changed", obj: otherTenant.Object, old: valid.Object, want: "metadata.annotations: Forbidden: tenant annotation of a shoot is immutable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
				Kind:   metav1.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot"},
				Object: raw(t, tt.obj),
			}}
			if tt.old != nil {
				req.Operation, req.OldObject = admissionv1.Update, raw(t, tt.old)
			}
			res := v.Handle(context.Background(), req)
			if tt.want == "" {
				if !res.Allowed {
					t.Fatalf("denied: %v", res.Result)
				}
				return
			}
			if res.Allowed || res.Result == nil || res.Result.Message != tt.want || res.Result.Code != 403 {
				t.Fatalf("response = allowed %v, %+v\nwant denied (403): %s", res.Allowed, res.Result, tt.want)
			}
		})
	}
}

func raw(t *testing.T, obj any) apiruntime.RawExtension {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return apiruntime.RawExtension{Raw: b}
}
