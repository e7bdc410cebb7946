package landscape_test

import (
	"context"
	"fmt"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

// agreementBase is a fleet with one metal shoot with workers (s) and one
// workerless shoot (cp); each case changes one of them.
const agreementBase = `package fleet

defaults: {
	cloudProfile: "metal"
	region: "local"
	credentialsBinding: "creds"
	kubernetes: version: "1.36.2"
	networking: type: "calico"
	pool: {machine: "v1-small-x86", image: {name: "debian", version: "12"}}
}
projects: a: {}
shoots: s: {
	project: "a"
	provider: metal: {partition: "mini-lab", project: "p", tenant: "t", firewall: {size: "s", image: "i", networks: ["n"]}}
	pools: blue: {}
}
shoots: cp: {project: "a", cloudProfile: "local", provider: type: "local"}
`

// TestFleetAndCELAgree shows that the fleet validator and the CEL rules of
// the Shoot stand-in give the same verdict on the same cases: each case is
// written once as fleet CUE and once as the same change to the rendered
// Shoot, which is then sent to the real API server.
func TestFleetAndCELAgree(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	tests := []struct {
		name   string
		shoot  string // which shoot the case changes
		cue    string // added to the fleet
		mutate func(u *unstructured.Unstructured)
		valid  bool
	}{
		{name: "pool on the control plane version", shoot: "s",
			cue: `shoots: s: pools: green: kubernetes: version: "1.36.2"`, mutate: addPool("green", "1.36.2"), valid: true},
		{name: "pool three minors behind", shoot: "s",
			cue: `shoots: s: pools: green: kubernetes: version: "1.33.0"`, mutate: addPool("green", "1.33.0"), valid: true},
		{name: "pool newer than the control plane", shoot: "s",
			cue: `shoots: s: pools: green: kubernetes: version: "1.37.0"`, mutate: addPool("green", "1.37.0")},
		{name: "pool four minors behind", shoot: "s",
			cue: `shoots: s: pools: green: kubernetes: version: "1.32.9"`, mutate: addPool("green", "1.32.9")},
		{name: "metal pool with zones", shoot: "s",
			cue: `shoots: s: pools: blue: zones: ["z1"]`, mutate: set([]any{"z1"}, "spec", "provider", "workers", "0", "zones")},
		{name: "metal pool with a volume", shoot: "s",
			cue: `shoots: s: pools: blue: volume: size: "20Gi"`, mutate: set(map[string]any{"size": "20Gi"}, "spec", "provider", "workers", "0", "volume")},
		{name: "duplicate hibernation cron", shoot: "s",
			cue:    `shoots: s: hibernation: schedules: [{start: "00 19 * * 1"}, {start: "00 19 * * 1"}]`,
			mutate: set([]any{map[string]any{"start": "00 19 * * 1"}, map[string]any{"start": "00 19 * * 1"}}, "spec", "hibernation", "schedules")},
		{name: "hibernation windows", shoot: "s",
			cue:    `shoots: s: hibernation: windows: [{days: "weekdays", start: "19:00", end: "07:00"}]`,
			mutate: set([]any{map[string]any{"start": "00 19 * * 1,2,3,4,5", "end": "00 07 * * 2,3,4,5,6"}}, "spec", "hibernation", "schedules"), valid: true},
		{name: "workerless shoot as rendered", shoot: "cp", valid: true},
		{name: "workerless shoot with a networking type", shoot: "cp",
			cue: `shoots: cp: networking: type: "cilium"`, mutate: set("cilium", "spec", "networking", "type")},
		{name: "workerless shoot with kube-proxy", shoot: "cp",
			cue: `shoots: cp: kubernetes: kubeProxy: mode: "IPVS"`, mutate: set(map[string]any{"mode": "IPVS"}, "spec", "kubernetes", "kubeProxy")},
		{name: "workerless shoot with a credentials binding", shoot: "cp",
			cue: `shoots: cp: credentialsBinding: "creds"`, mutate: set("creds", "spec", "credentialsBindingName")},
		{name: "workerless metal shoot", shoot: "cp",
			cue: `shoots: cp: provider: {type: "metal", metal: {partition: "mini-lab", project: "p", tenant: "t", firewall: {size: "s", image: "i", networks: ["n"]}}}`,
			mutate: func(u *unstructured.Unstructured) {
				set("metal", "spec", "provider", "type")(u)
				set(map[string]any{"apiVersion": render.MetalAPIVersion, "kind": "InfrastructureConfig", "partitionID": "mini-lab", "projectID": "p"},
					"spec", "provider", "infrastructureConfig")(u)
				u.SetAnnotations(map[string]string{render.TenantAnnotation: "t"})
			}},
	}
	base := renderedShoots(t, agreementBase)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, loadErr := fleet.LoadSource(dir, map[string][]byte{"base.cue": []byte(agreementBase), "case.cue": []byte("package fleet\n" + tt.cue)})
			fleetValid := loadErr == nil

			obj := base[tt.shoot].DeepCopy()
			obj.SetNamespace(env.NewNamespace(t))
			obj.SetName(fmt.Sprintf("agree-%d", i))
			if tt.mutate != nil {
				tt.mutate(obj)
			}
			createErr := env.Client.Create(ctx, obj)
			celValid := createErr == nil

			if fleetValid != tt.valid || celValid != tt.valid {
				t.Errorf("want valid=%t; fleet valid=%t (%s), API server valid=%t (%v)",
					tt.valid, fleetValid, strings.TrimSpace(details(loadErr, dir)), celValid, createErr)
			}
		})
	}
}

func renderedShoots(t *testing.T, src string) map[string]*unstructured.Unstructured {
	t.Helper()
	dir := t.TempDir()
	f, err := fleet.LoadSource(dir, map[string][]byte{"base.cue": []byte(src)})
	if err != nil {
		t.Fatalf("base fleet: %s", fleet.Details(err, dir))
	}
	res, err := render.Fleet(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*unstructured.Unstructured{}
	for _, o := range res.Objects {
		if o.GetKind() == "Shoot" {
			out[o.GetName()] = o
		}
	}
	return out
}

func details(err error, dir string) string {
	if err == nil {
		return "no error"
	}
	return fleet.Details(err, dir)
}

// set returns a mutation writing value at a path whose numeric parts index lists.
func set(value any, path ...string) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		var cur any = u.Object
		for i, p := range path {
			last := i == len(path)-1
			switch c := cur.(type) {
			case map[string]any:
				if last {
					c[p] = value
					return
				}
				if _, ok := c[p]; !ok {
					c[p] = map[string]any{}
				}
				cur = c[p]
			case []any:
				var idx int
				fmt.Sscan(p, &idx)
				if last {
					c[idx] = value
					return
				}
				cur = c[idx]
			}
		}
	}
}

func addPool(name, version string) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		workers, _, _ := unstructured.NestedSlice(u.Object, "spec", "provider", "workers")
		pool := map[string]any{}
		for k, v := range workers[0].(map[string]any) {
			pool[k] = v
		}
		pool["name"] = name
		pool["kubernetes"] = map[string]any{"version": version}
		workers = append(workers, pool)
		_ = unstructured.SetNestedSlice(u.Object, workers, "spec", "provider", "workers")
	}
}
