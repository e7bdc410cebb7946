package landscape_test

import (
	"context"
	"fmt"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
	"testing"
)

// TestShootRules proves each of Gardener's rules, as the Shoot CRD's CEL rules and the
// policies enforce them, on the real kube-apiserver: what Gardener rejects is rejected with
// Gardener's words, what it allows is accepted. A case with old creates old first and then
// updates it to new.
func TestShootRules(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	ns := env.NewNamespace(t)

	valid := shoot()
	valid137 := shoot().version("1.37.1")
	metal := metalShoot()
	wl := shoot().workerless()
	schedules := func(s ...map[string]any) *shootSpec {
		list := make([]any, len(s))
		for i, e := range s {
			list[i] = e
		}
		return valid.with(list, "spec", "hibernation", "schedules")
	}
	inPlace := func(p map[string]any) map[string]any { p["updateStrategy"] = "AutoInPlaceUpdate"; return p }

	tests := []struct {
		name    string
		old     *shootSpec
		new     *shootSpec
		wantErr string
	}{
		// Accepted as they are.
		{name: "shoot with workers", new: valid},
		{name: "workerless shoot", new: wl},
		{name: "metal shoot", new: metal},
		{name: "pool three minors behind", new: valid137.pools(poolAt("old", "1.34.8"))},
		{name: "pool at the control plane version", new: valid137.pools(poolAt("same", "1.37.1"))},
		{
			name: "workerless shoot with what it may have",
			new: wl.with(map[string]any{"enableAnonymousAuthentication": false}, "spec", "kubernetes", "kubeAPIServer").
				with("10.2.0.0/16", "spec", "networking", "services").
				with(true, "spec", "hibernation", "enabled").
				with("220000+0100", "spec", "maintenance", "timeWindow", "begin").
				with("230000+0100", "spec", "maintenance", "timeWindow", "end").
				with(true, "spec", "maintenance", "autoUpdate", "kubernetesVersion").
				with("a.example.com", "spec", "dns", "domain"),
		},
		{
			name: "hibernation schedules with distinct crons",
			new: schedules(
				map[string]any{"start": "00 19 * * 1,2,3,4,5", "end": "00 07 * * 1,2,3,4,5", "location": "Europe/Berlin"},
				map[string]any{"start": "00 22 * * 6,0"},
			),
		},

		// Rejected on create.
		{
			name:    "version not x.y.z",
			new:     valid.version("1.34"),
			wantErr: `spec.kubernetes.version: Invalid value: "1.34": must be a semantic version x.y.z`,
		},
		{
			name:    "pool newer than the control plane",
			new:     valid.pools(poolAt("new", "1.35.6")),
			wantErr: `spec.provider.workers: Forbidden: worker group kubernetes version must not be higher than control plane version (control plane 1.34.8)`,
		},
		{
			name:    "pool four minors behind",
			new:     valid137.pools(poolAt("old", "1.33.10")),
			wantErr: `spec.provider.workers: Forbidden: worker group kubernetes version must be at most three minor versions behind control plane version (control plane 1.37.1)`,
		},
		{
			name:    "pool maximum below minimum",
			new:     valid.withPool(0, int64(0), "maximum"),
			wantErr: `spec.provider.workers[0].maximum: Invalid value: maximum value must not be less than minimum value`,
		},
		{
			name:    "workerless with infrastructureConfig",
			new:     wl.with(map[string]any{"apiVersion": "local.provider.extensions.gardener.cloud/v1alpha1", "kind": "InfrastructureConfig"}, "spec", "provider", "infrastructureConfig"),
			wantErr: `spec.provider.infrastructureConfig: Forbidden: this field should not be set for workerless Shoot clusters`,
		},
		{
			name:    "workerless with credentialsBindingName",
			new:     wl.with("local", "spec", "credentialsBindingName"),
			wantErr: `spec.credentialsBindingName: Forbidden: this field should not be set for workerless Shoot clusters`,
		},
		{
			name:    "workerless with networking type",
			new:     wl.with("calico", "spec", "networking", "type"),
			wantErr: `spec.networking.type: Forbidden: this field should not be set for workerless Shoot clusters`,
		},
		{
			name:    "workerless with networking pods and nodes",
			new:     wl.with("10.1.0.0/16", "spec", "networking", "pods").with("10.0.0.0/16", "spec", "networking", "nodes"),
			wantErr: `[spec.networking.pods: Forbidden: this field should not be set for workerless Shoot clusters, spec.networking.nodes: Forbidden: this field should not be set for workerless Shoot clusters]`,
		},
		{
			name:    "workerless with kubeProxy",
			new:     wl.with("IPTables", "spec", "kubernetes", "kubeProxy", "mode"),
			wantErr: `spec.kubernetes.kubeProxy: Forbidden: this field should not be set for workerless Shoot clusters`,
		},
		{
			name:    "workerless with kubelet",
			new:     wl.with(int64(110), "spec", "kubernetes", "kubelet", "maxPods"),
			wantErr: `spec.kubernetes.kubelet: Forbidden: this field should not be set for workerless Shoot clusters`,
		},
		{
			name:    "workerless with kube-controller-manager nodeCIDRMaskSize",
			new:     wl.with(int64(24), "spec", "kubernetes", "kubeControllerManager", "nodeCIDRMaskSize"),
			wantErr: `spec.kubernetes.kubeControllerManager.nodeCIDRMaskSize: Forbidden: this field should not be set for workerless Shoot clusters`,
		},
		{
			name:    "workerless with machine image auto update",
			new:     wl.with(true, "spec", "maintenance", "autoUpdate", "machineImageVersion"),
			wantErr: `spec.maintenance.autoUpdate.machineImageVersion: Forbidden: this field should not be set for workerless Shoot clusters`,
		},
		{
			name:    "workerless with systemComponents",
			new:     wl.with(map[string]any{"coreDNS": map[string]any{}}, "spec", "systemComponents"),
			wantErr: `spec.systemComponents: Forbidden: this field should not be set for workerless Shoot clusters`,
		},
		{
			name: "hibernation cron twice as start",
			new: schedules(
				map[string]any{"start": "00 19 * * 1,2,3,4,5"},
				map[string]any{"start": "00 19 * * 1,2,3,4,5", "end": "00 07 * * 1"},
			),
			wantErr: `spec.hibernation.schedules: Invalid value: Duplicate value: "00 19 * * 1,2,3,4,5"`,
		},
		{
			name: "hibernation cron as start and as end",
			new: schedules(
				map[string]any{"start": "00 19 * * *"},
				map[string]any{"end": "00 19 * * *"},
			),
			wantErr: `spec.hibernation.schedules: Invalid value: Duplicate value: "00 19 * * *"`,
		},
		{
			name:    "hibernation schedule without start or end",
			new:     schedules(map[string]any{"location": "Europe/Berlin"}),
			wantErr: `spec.hibernation.schedules[0]: Required value: either start or end has to be provided`,
		},
		{
			name:    "hibernation cron with three fields",
			new:     schedules(map[string]any{"start": "00 19 *"}),
			wantErr: `spec.hibernation.schedules[0].start: Invalid value: "00 19 *": not a valid cron spec: 00 19 *`,
		},
		{
			name:    "metal without workers",
			new:     metal.workerless().with(map[string]any{"apiVersion": "v1", "kind": "X"}, "spec", "provider", "infrastructureConfig"),
			wantErr: `[spec.provider.infrastructureConfig: Forbidden: this field should not be set for workerless Shoot clusters, spec.provider.workers: Required value: provider metal does not support workerless Shoot clusters]`,
		},
		{
			name:    "metal without infrastructureConfig",
			new:     metal.without("spec", "provider", "infrastructureConfig"),
			wantErr: `spec.provider.infrastructureConfig: Required value: InfrastructureConfig must be set for metal shoots`,
		},
		{
			name:    "metal pool with zones",
			new:     metal.withPool(0, []any{"mini-lab"}, "zones"),
			wantErr: `spec.provider.workers: Forbidden: zone spreading is not supported, specify partition via infrastructure config`,
		},
		{
			name:    "metal pool with volume",
			new:     metal.withPool(0, "20Gi", "volume", "size"),
			wantErr: `spec.provider.workers: Forbidden: volumes are not yet supported and must be nil`,
		},
		{
			name:    "metal without tenant annotation",
			new:     metal.without("metadata", "annotations"),
			wantErr: `ValidatingAdmissionPolicy 'metal-shoot-tenant' with binding 'metal-shoot-tenant' denied request: metadata.annotations: Required value: cluster must be annotated with a tenant using the annotations: cluster.metal-stack.io/tenant`,
		},

		// Transitions: created as old, then updated to new.
		{name: "control plane one minor up", old: valid, new: valid.version("1.35.6")},
		{name: "control plane patch up", old: valid.version("1.34.7"), new: valid},
		{
			name:    "control plane skips a minor",
			old:     valid,
			new:     valid.version("1.36.4"),
			wantErr: `spec.kubernetes.version: Forbidden: kubernetes version upgrade cannot skip a minor version (1.34.8 -> 1.36.4)`,
		},
		{
			name: "control plane downgraded",
			old:  valid,
			new:  valid.version("1.34.7"),
			// The pool inherits the control plane's version, so it is downgraded too, as Gardener reports.
			wantErr: `[spec.provider.workers: Forbidden: kubernetes version downgrade is not supported (a worker group went below its previous version), spec.kubernetes.version: Forbidden: kubernetes version downgrade is not supported (1.34.8 -> 1.34.7)]`,
		},
		{
			name: "control plane minor downgraded",
			old:  valid,
			new:  valid.version("1.33.10"),
			// The pool inherits the control plane's version, so it is downgraded too, as Gardener reports.
			wantErr: `[spec.provider.workers: Forbidden: kubernetes version downgrade is not supported (a worker group went below its previous version), spec.kubernetes.version: Forbidden: kubernetes version downgrade is not supported (1.34.8 -> 1.33.10)]`,
		},
		{name: "inheriting pool follows the control plane up", old: valid, new: valid.version("1.35.6")},
		{
			name: "rolling pool skips minors",
			old:  valid.version("1.35.6").pools(poolAt("p", "1.33.10")),
			new:  valid.version("1.35.6").pools(poolAt("p", "1.35.6")),
		},
		{
			name:    "pinned pool downgraded",
			old:     valid.pools(poolAt("p", "1.33.10")),
			new:     valid.pools(poolAt("p", "1.33.9")),
			wantErr: `spec.provider.workers: Forbidden: kubernetes version downgrade is not supported (a worker group went below its previous version)`,
		},
		{
			name:    "inheriting pool pinned below the control plane it had",
			old:     valid.version("1.35.6"),
			new:     valid.version("1.35.6").pools(poolAt("pool-a", "1.34.8")),
			wantErr: `spec.provider.workers: Forbidden: kubernetes version downgrade is not supported (a worker group went below its previous version)`,
		},
		{
			name: "new pool below the control plane",
			old:  valid.version("1.35.6"),
			new:  valid.version("1.35.6").pools(pool("pool-a"), poolAt("pool-b", "1.34.8")),
		},
		{
			name: "in-place pool one minor up",
			old:  valid.version("1.35.6").pools(inPlace(poolAt("p", "1.34.8"))),
			new:  valid.version("1.35.6").pools(inPlace(poolAt("p", "1.35.6"))),
		},
		{
			name:    "in-place pool skips a minor",
			old:     valid.version("1.35.6").pools(inPlace(poolAt("p", "1.33.10"))),
			new:     valid.version("1.35.6").pools(inPlace(poolAt("p", "1.35.6"))),
			wantErr: `spec.provider.workers: Forbidden: kubernetes version upgrade cannot skip a minor version (a worker group with an in-place update strategy)`,
		},
		{
			name:    "workers to workerless",
			old:     valid,
			new:     wl,
			wantErr: `spec.provider.workers: Forbidden: cannot switch from a Shoot with workers to a workerless Shoot`,
		},
		{
			name:    "workerless to workers",
			old:     wl,
			new:     valid,
			wantErr: `spec.provider.workers: Forbidden: cannot switch from a workerless Shoot to a Shoot with workers`,
		},
		{
			name:    "region changed",
			old:     valid,
			new:     valid.with("other", "spec", "region"),
			wantErr: `spec.region: Invalid value: "other": field is immutable`,
		},
		{
			name:    "metal tenant changed",
			old:     metal,
			new:     metal.annotate("cluster.metal-stack.io/tenant", "tenant-b"),
			wantErr: `ValidatingAdmissionPolicy 'metal-shoot-tenant' with binding 'metal-shoot-tenant' denied request: metadata.annotations: Forbidden: tenant annotation of a shoot is immutable (tenant-a -> tenant-b)`,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("s%02d", i)
			var err error
			if tt.old == nil {
				err = env.Client.Create(ctx, tt.new.build(ns, name))
			} else {
				old := tt.old.build(ns, name)
				if err := env.Client.Create(ctx, old); err != nil {
					t.Fatalf("create old shoot: %v", err)
				}
				upd := tt.new.build(ns, name)
				upd.SetResourceVersion(old.GetResourceVersion())
				err = env.Client.Update(ctx, upd)
			}
			if got := detail(err, ns, name); got != tt.wantErr {
				t.Errorf("error mismatch\n got: %s\nwant: %s", got, tt.wantErr)
			}
		})
	}
}

// detail strips the API server's prefix naming the object, which repeats the case.
func detail(err error, ns, name string) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	for _, prefix := range []string{
		fmt.Sprintf("Shoot.core.gardener.cloud %q is invalid: ", name),
		fmt.Sprintf("shoots.core.gardener.cloud %q is forbidden: ", name),
	} {
		if len(s) > len(prefix) && s[:len(prefix)] == prefix {
			return s[len(prefix):]
		}
	}
	return s
}
