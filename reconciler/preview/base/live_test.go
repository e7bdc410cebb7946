package base

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/reconciler/preview"
	"github.com/gardenfleet/gardenfleet/render"
)

// renderFleet renders a fleet of CUE source for project p.
func renderFleet(t *testing.T, p, shoots string) []*unstructured.Unstructured {
	t.Helper()
	src := fmt.Sprintf(`package fleet

defaults: {
	cloudProfile: "local"
	region:       "local"
	provider: type: "local"
	kubernetes: version: "1.35.4"
	credentialsBinding: "creds"
	networking: type:    "calico"
	pool: machine:       "local"
}
projects: %q: {}
_p: %q
%s
`, p, p, shoots)
	f, err := fleet.LoadSource(t.TempDir(), map[string][]byte{"fleet.cue": []byte(src)})
	if err != nil {
		t.Fatalf("load fleet: %v", fleet.Details(err, "."))
	}
	res, err := render.Fleet(f)
	if err != nil {
		t.Fatal(err)
	}
	return res.Objects
}

// TestFromCluster applies a fleet, lets Gardener raise a patch, and plans a
// change against the cluster: the version moves in steps from the live
// CloudProfile, a field gardenfleet applied and the fleet dropped is removed,
// defaults and other managers' fields are not, a shoot the fleet no longer
// names is removed, another fleet's shoot is not, and the raised patch is
// kept.
func TestFromCluster(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := e.NewNamespace(t)
	p := strings.TrimPrefix(ns, "garden-")
	owner := clusters.Owner{Namespace: "garden", Name: "fleet-" + utilrand.String(5)}

	applied := renderFleet(t, p, `
shoots: keep: {project: _p, purpose: "evaluation", pools: a: {}}
shoots: maint: {project: _p}
shoots: gone: {project: _p}
`)
	if _, err := clusters.NewManager(e.Client, owner).Apply(ctx, clusters.Whole(applied...), clusters.DefaultApplyOptions()); err != nil {
		t.Fatalf("apply: %v", err)
	}
	// Another fleet's shoot in the same namespace.
	other := renderFleet(t, p, `shoots: foreign: {project: _p}`)
	if _, err := clusters.NewManager(e.Client, clusters.Owner{Namespace: "garden", Name: "other"}).Apply(ctx, clusters.Whole(other[1:]...), clusters.DefaultApplyOptions()); err != nil {
		t.Fatalf("apply other fleet: %v", err)
	}
	// Gardener's maintenance raises a patch.
	raise := &unstructured.Unstructured{}
	raise.SetAPIVersion("core.gardener.cloud/v1beta1")
	raise.SetKind("Shoot")
	raise.SetNamespace(ns)
	raise.SetName("maint")
	if err := e.Client.Patch(ctx, raise, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"kubernetes":{"version":"1.35.5"}}}`)), client.FieldOwner("gardener")); err != nil {
		t.Fatalf("raise patch: %v", err)
	}

	desired := renderFleet(t, p, `
shoots: keep: {project: _p, kubernetes: version: "1.37.1", pools: a: {}}
shoots: maint: {project: _p}
`)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	live, err := FromCluster(ctx, e.Client, desired, ClusterOptions{Owner: &owner, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	r := preview.Build(preview.Input{
		Base: "cluster", BaseObjects: live.Objects, Objects: live.Desired,
		Catalogs: live.Catalogs, FieldManager: clusters.FieldManager, Notes: live.Notes,
	})

	wantObjects := []preview.ObjectChange{
		{Op: preview.Removed, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Namespace: ns, Name: "gone"},
		{Op: preview.Changed, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Namespace: ns, Name: "keep", Fields: []preview.FieldChange{
			{Path: "spec.kubernetes.version", Op: preview.Changed, From: "1.35.4", To: "1.37.1"},
			{Path: "spec.purpose", Op: preview.Removed, From: "evaluation"},
		}},
	}
	if diff := cmp.Diff(wantObjects, r.Objects); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	wantSteps := [][]string{
		{"control plane 1.35.4 -> 1.36.4"},
		{"control plane 1.36.4 -> 1.37.1"},
		{"pool a 1.35.4 -> 1.37.1"},
	}
	var gotSteps [][]string
	for _, u := range r.Upgrades {
		if u.Shoot != ns+"/keep" {
			t.Errorf("unexpected upgrade of %s: %+v", u.Shoot, u)
			continue
		}
		for _, s := range u.Steps {
			gotSteps = append(gotSteps, s.Changes)
		}
	}
	if diff := cmp.Diff(wantSteps, gotSteps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	wantNotes := []string{
		fmt.Sprintf("Shoot/%s/maint spec.kubernetes.version: kept 1.35.5 over desired 1.35.4: gardener raised the patch version (maintenance, or a partial version completed)", ns),
	}
	if diff := cmp.Diff(wantNotes, r.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if r.Summary.Unchanged != 2 {
		t.Errorf("unchanged = %d, want 2 (the project and maint)", r.Summary.Unchanged)
	}
}

// TestFromClusterAnyOwner looks for removals among every object carrying
// gardenfleet's labels when no owner is given, and reports a kind the
// cluster does not serve.
func TestFromClusterAnyOwner(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := e.NewNamespace(t)
	p := strings.TrimPrefix(ns, "garden-")
	applied := renderFleet(t, p, `shoots: a: {project: _p}`)
	if _, err := clusters.NewManager(e.Client, clusters.Owner{Namespace: "garden", Name: "x-" + utilrand.String(5)}).Apply(ctx, clusters.Whole(applied...), clusters.DefaultApplyOptions()); err != nil {
		t.Fatalf("apply: %v", err)
	}
	unknown := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Gadget",
		"metadata": map[string]any{"name": "g", "namespace": ns},
	}}
	desired := append(renderFleet(t, p, ""), unknown)
	live, err := FromCluster(ctx, e.Client, desired, ClusterOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var removed []string
	for _, u := range live.Objects {
		if u.GetNamespace() == ns && u.GetName() == "a" {
			removed = append(removed, u.GetKind()+"/"+u.GetName())
		}
	}
	if diff := cmp.Diff([]string{"Shoot/a"}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	wantNote := "the cluster does not serve example.com/v1 Gadget: its objects are all new"
	found := false
	for _, n := range live.Notes {
		found = found || n == wantNote
	}
	if !found {
		t.Errorf("notes %q lack %q", live.Notes, wantNote)
	}
}
