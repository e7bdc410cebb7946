package landscape_test

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/hack/landscape"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

// TestInstall: the installed garden admits the probe shoot in the garden namespace and in
// a new project; Install again changes nothing that breaks it.
func TestInstall(t *testing.T) {
	e := testenv.Require(t, env)
	ctx := context.Background()
	if err := landscape.Install(ctx, e.Client, landscape.DefaultInstallOptions()); err != nil {
		t.Fatalf("second Install: %v", err)
	}
	ns := e.NewNamespace(t)
	if err := e.Client.Create(ctx, landscape.ProbeShoot(ns), client.DryRunAll); err != nil {
		t.Fatalf("probe shoot in %s: %v", ns, err)
	}
}

// TestDeletionConfirmation: Gardener's own admission (no longer a policy of ours) refuses
// to delete a Shoot or Project without confirmation.gardener.cloud/deletion=true.
func TestDeletionConfirmation(t *testing.T) {
	e := testenv.Require(t, env)
	ctx := context.Background()
	ns := e.NewNamespace(t)
	shoot := landscape.ProbeShoot(ns)
	if err := e.Client.Create(ctx, shoot); err != nil {
		t.Fatal(err)
	}
	project := &unstructured.Unstructured{}
	project.SetAPIVersion("core.gardener.cloud/v1beta1")
	project.SetKind("Project")
	project.SetName(ns[len("garden-"):])
	tests := []struct {
		obj  *unstructured.Unstructured
		want string
	}{
		{shoot, `shoots.core.gardener.cloud "probe" is forbidden: must have a "confirmation.gardener.cloud/deletion" annotation to delete`},
		{project, `projects.core.gardener.cloud "` + project.GetName() + `" is forbidden: must have a "confirmation.gardener.cloud/deletion" annotation to delete`},
	}
	for _, tt := range tests {
		t.Run(tt.obj.GetKind(), func(t *testing.T) {
			err := e.Client.Delete(ctx, tt.obj.DeepCopy(), client.DryRunAll)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("delete error = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestCRDs: the CRDs are upstream's own, read from the modules, with the schema details
// the simulator and render must fit (Topology's required naming, no status subresource).
func TestCRDs(t *testing.T) {
	crds, err := landscape.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, crd := range crds {
		got = append(got, crd.Name+" "+crd.Annotations["controller-gen.kubebuilder.io/version"])
	}
	want := []string{
		"topologies.clabernetes.containerlab.dev v0.20.0",
		"firewalldeployments.firewall.metal-stack.io v0.20.0",
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("CRDs = %q, want %q", got, want)
	}
	topology := crds[0].Spec.Versions[0]
	if req := topology.Schema.OpenAPIV3Schema.Properties["spec"].Required; strings.Join(req, ",") != "definition,naming" {
		t.Errorf("Topology spec.required = %v, want [definition naming]", req)
	}
	if topology.Subresources != nil && topology.Subresources.Status != nil {
		t.Error("Topology has a status subresource; the simulator patches the object itself")
	}
}
