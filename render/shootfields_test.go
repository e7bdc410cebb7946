package render_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

// The raw Shoot fields merge over the rendered Shoot last: objects field by
// field, lists replaced whole, each layer's `shoot` as layers merge.
func TestShootFieldsMergeLast(t *testing.T) {
	t.Parallel()
	src := `package fleet
defaults: {
	cloudProfile: "gcp"
	region:       "europe-west1"
	provider: type: "gcp"
	credentialsBinding: "gcp"
	kubernetes: version: "1.33.0"
	networking: type:   "calico"
	extensions: [{type: "shoot-dns-service"}]
	shoot: spec: {
		controlPlane: highAvailability: failureTolerance: type: "node"
		seedSelector: matchLabels: {tier: "gold", region: "eu"}
		systemComponents: coreDNS: autoscaling: mode: "horizontal"
	}
}
environments: prod: shoot: spec: seedSelector: matchLabels: tier: "platinum"
projects: a: {}
shoots: s: {
	project:     "a"
	environment: "prod"
	pools: p: {machine: "n1", minimum: 2, maximum: 3, zones: ["z1"]}
	shoot: spec: {
		controlPlane: highAvailability: failureTolerance: type: "zone"
		// Replaces the rendered list whole.
		extensions: [{type: "acl", providerConfig: rule: {action: "ALLOW"}}]
		kubernetes: kubeAPIServer: requests: maxNonMutatingInflight: 800
		provider: workers: [{name: "p", machine: type: "n2", minimum: 1, maximum: 4}]
	}
}
`
	f, err := fleet.LoadSource("repo", map[string][]byte{"fleet.cue": []byte(src)})
	if err != nil {
		t.Fatal(fleet.Details(err, "repo"))
	}
	obj, err := render.Shoot(&f.Shoots[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path []string
		want any
	}{
		{[]string{"spec", "controlPlane"}, map[string]any{"highAvailability": map[string]any{"failureTolerance": map[string]any{"type": "zone"}}}},
		{[]string{"spec", "seedSelector"}, map[string]any{"matchLabels": map[string]any{"tier": "platinum", "region": "eu"}}},
		{[]string{"spec", "systemComponents"}, map[string]any{"coreDNS": map[string]any{"autoscaling": map[string]any{"mode": "horizontal"}}}},
		{[]string{"spec", "extensions"}, []any{map[string]any{"type": "acl", "providerConfig": map[string]any{"rule": map[string]any{"action": "ALLOW"}}}}},
		{[]string{"spec", "kubernetes", "kubeAPIServer"}, map[string]any{"requests": map[string]any{"maxNonMutatingInflight": int64(800)}}},
		{[]string{"spec", "provider", "workers"}, []any{map[string]any{"name": "p", "machine": map[string]any{"type": "n2"}, "minimum": int64(1), "maximum": int64(4)}}},
		// What the fleet's settings render stays where the fields say nothing.
		{[]string{"spec", "region"}, "europe-west1"},
		{[]string{"spec", "provider", "type"}, "gcp"},
	} {
		got, _, err := unstructured.NestedFieldNoCopy(obj.Object, c.path...)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", c.path, diff)
		}
	}
}
