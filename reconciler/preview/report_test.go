package preview

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

func TestBuildObjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		base, next  []*unstructured.Unstructured
		manager     string
		wantObjects []ObjectChange
		wantSummary Summary
	}{
		{
			name:        "nothing changes",
			base:        objs(testProject("a"), testShoot("garden-a", "s").Unstructured()),
			next:        objs(testProject("a"), testShoot("garden-a", "s").Unstructured()),
			wantObjects: []ObjectChange{},
			wantSummary: Summary{Unchanged: 2},
		},
		{
			name: "added, changed and removed objects in apply order",
			base: objs(
				testShoot("garden-a", "gone").Unstructured(),
				testShoot("garden-a", "s").Unstructured(),
				testTopology("lab", "name: lab\n"),
				testNamespace("labs"),
			),
			next: objs(
				testShoot("garden-a", "s").Version("1.36.2").Unstructured(),
				testProject("a"),
			),
			wantObjects: []ObjectChange{
				{Op: Removed, APIVersion: "v1", Kind: "Namespace", Name: "labs"},
				{Op: Added, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Project", Name: "a"},
				{Op: Removed, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Namespace: "garden-a", Name: "gone"},
				{Op: Changed, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Namespace: "garden-a", Name: "s", Fields: []FieldChange{
					{Path: "spec.kubernetes.version", Op: Changed, From: "1.35.4", To: "1.36.2"},
				}},
				{Op: Removed, APIVersion: "clabernetes.containerlab.dev/v1alpha1", Kind: "Topology", Namespace: "labs", Name: "lab"},
			},
			wantSummary: Summary{Added: 1, Changed: 1, Removed: 3, Upgrades: 1},
		},
		{
			name: "the same object in another API version is the same object",
			base: objs(testShoot("garden-a", "s").Set("core.gardener.cloud/v1", "apiVersion").Unstructured()),
			next: objs(testShoot("garden-a", "s").Unstructured()),
			wantObjects: []ObjectChange{
				{Op: Changed, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Namespace: "garden-a", Name: "s", Fields: []FieldChange{
					{Path: "apiVersion", Op: Changed, From: "core.gardener.cloud/v1", To: "core.gardener.cloud/v1beta1"},
				}},
			},
			wantSummary: Summary{Changed: 1},
		},
		{
			name: "status, server-set metadata, gardenfleet's bookkeeping and Gardener's annotations are noise",
			base: objs(testShoot("garden-a", "s").
				Set(map[string]any{"hibernated": false}, "status").
				Set("123", "metadata", "resourceVersion").
				Set("uid-1", "metadata", "uid").
				Set(int64(4), "metadata", "generation").
				Set("2025-01-01T00:00:00Z", "metadata", "creationTimestamp").
				Set([]any{map[string]any{"manager": "gardenfleet"}}, "metadata", "managedFields").
				Set([]any{"gardener"}, "metadata", "finalizers").
				Set(map[string]any{"gardenfleet.dev/name": "f", "gardenfleet.dev/namespace": "ns", "team": "a"}, "metadata", "labels").
				Set(map[string]any{"gardenfleet.dev/digest": "sha256:1", "gardener.cloud/created-by": "x", "shoot.gardener.cloud/tasks": "y"}, "metadata", "annotations").
				Unstructured()),
			next:        objs(testShoot("garden-a", "s").Set(map[string]any{"team": "a"}, "metadata", "labels").Unstructured()),
			wantObjects: []ObjectChange{},
			wantSummary: Summary{Unchanged: 1},
		},
		{
			name: "a Gardener annotation the fleet sets itself is compared",
			base: objs(testShoot("garden-a", "s").Set(map[string]any{"confirmation.gardener.cloud/deletion": "false"}, "metadata", "annotations").Unstructured()),
			next: objs(testShoot("garden-a", "s").Set(map[string]any{"confirmation.gardener.cloud/deletion": "true"}, "metadata", "annotations").Unstructured()),
			wantObjects: []ObjectChange{
				{Op: Changed, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Namespace: "garden-a", Name: "s", Fields: []FieldChange{
					{Path: `metadata.annotations["confirmation.gardener.cloud/deletion"]`, Op: Changed, From: "false", To: "true"},
				}},
			},
			wantSummary: Summary{Changed: 1},
		},
		{
			name: "a Gardener annotation the fleet adds is compared",
			base: objs(testShoot("garden-a", "s").Unstructured()),
			next: objs(testShoot("garden-a", "s").Set(map[string]any{"shoot.gardener.cloud/cleanup-extended-apis-finalize-grace-period-seconds": "600"}, "metadata", "annotations").Unstructured()),
			wantObjects: []ObjectChange{
				{Op: Changed, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Namespace: "garden-a", Name: "s", Fields: []FieldChange{
					{Path: `metadata.annotations["shoot.gardener.cloud/cleanup-extended-apis-finalize-grace-period-seconds"]`, Op: Added, To: "600"},
				}},
			},
			wantSummary: Summary{Changed: 1},
		},
		{
			name: "live base: a field nobody applied is no removal",
			base: objs(testShoot("garden-a", "s").
				Set("evaluation", "spec", "purpose").
				Set([]any{map[string]any{"manager": "gardenfleet", "fieldsV1": map[string]any{"f:spec": map[string]any{"f:region": map[string]any{}}}}}, "metadata", "managedFields").
				Unstructured()),
			next:        objs(testShoot("garden-a", "s").Unstructured()),
			manager:     "gardenfleet",
			wantObjects: []ObjectChange{},
			wantSummary: Summary{Unchanged: 1},
		},
		{
			name: "live base: a field gardenfleet applied and the fleet dropped is removed",
			base: objs(testShoot("garden-a", "s").
				Set("evaluation", "spec", "purpose").
				Set([]any{map[string]any{"manager": "gardenfleet", "fieldsV1": map[string]any{"f:spec": map[string]any{"f:purpose": map[string]any{}}}}}, "metadata", "managedFields").
				Unstructured()),
			next:    objs(testShoot("garden-a", "s").Unstructured()),
			manager: "gardenfleet",
			wantObjects: []ObjectChange{
				{Op: Changed, APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Namespace: "garden-a", Name: "s", Fields: []FieldChange{
					{Path: "spec.purpose", Op: Removed, From: "evaluation"},
				}},
			},
			wantSummary: Summary{Changed: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Build(Input{Base: "HEAD", BaseObjects: tt.base, Objects: tt.next, FieldManager: tt.manager, Catalogs: map[string]*planner.Catalog{"metal": catalog("1.35.4", "1.36.2")}})
			if diff := cmp.Diff(tt.wantObjects, r.Objects); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSummary, r.Summary); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildUpgrades(t *testing.T) {
	t.Parallel()
	metal := catalog("1.33.4", "1.34.3", "1.35.4", "1.36.2", "1.37.1")
	tests := []struct {
		name       string
		base, next []*unstructured.Unstructured
		catalogs   map[string]*planner.Catalog
		fleet      *fleet.Fleet
		manager    string
		want       []Upgrade
		wantNotes  []string
	}{
		{
			name:     "control plane one minor at a time, then the pools",
			base:     objs(testShoot("garden-a", "s").Version("1.34.3").Pool(testPool("a", "", "")).Unstructured()),
			next:     objs(testShoot("garden-a", "s").Version("1.36.2").Pool(testPool("a", "", "")).Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal",
				Current: VersionState{ControlPlane: "1.34.3", Pools: map[string]string{"a": "1.34.3"}},
				Target:  &VersionState{ControlPlane: "1.36.2", Pools: map[string]string{"a": "1.36.2"}},
				Steps: []Step{
					{VersionState: VersionState{ControlPlane: "1.35.4", Pools: map[string]string{"a": "1.34.3"}}, Changes: []string{"control plane 1.34.3 -> 1.35.4"}},
					{VersionState: VersionState{ControlPlane: "1.36.2", Pools: map[string]string{"a": "1.34.3"}}, Changes: []string{"control plane 1.35.4 -> 1.36.2"}},
					{VersionState: VersionState{ControlPlane: "1.36.2", Pools: map[string]string{"a": "1.36.2"}}, Changes: []string{"pool a 1.34.3 -> 1.36.2"}},
				},
			}},
		},
		{
			name:     "a pinned pool stays; a new pool and a removed pool are not planned",
			base:     objs(testShoot("garden-a", "s").Version("1.35.4").Pool(testPool("blue", "", "")).Pool(testPool("green", "1.34.3", "")).Pool(testPool("old", "", "")).Unstructured()),
			next:     objs(testShoot("garden-a", "s").Version("1.36.2").Pool(testPool("blue", "", "")).Pool(testPool("green", "1.34.3", "")).Pool(testPool("new", "1.36.2", "")).Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal",
				Current: VersionState{ControlPlane: "1.35.4", Pools: map[string]string{"blue": "1.35.4", "green": "1.34.3"}},
				Target:  &VersionState{ControlPlane: "1.36.2", Pools: map[string]string{"blue": "1.36.2", "green": "1.34.3"}},
				Steps: []Step{
					{VersionState: VersionState{ControlPlane: "1.36.2", Pools: map[string]string{"blue": "1.35.4", "green": "1.34.3"}}, Changes: []string{"control plane 1.35.4 -> 1.36.2"}},
					{VersionState: VersionState{ControlPlane: "1.36.2", Pools: map[string]string{"blue": "1.36.2", "green": "1.34.3"}}, Changes: []string{"pool blue 1.35.4 -> 1.36.2"}},
				},
			}},
		},
		{
			name:     "in-place pools go one minor at a time",
			base:     objs(testShoot("garden-a", "s").Version("1.35.4").Pool(testPool("p", "1.33.4", fleet.AutoInPlaceUpdate)).Unstructured()),
			next:     objs(testShoot("garden-a", "s").Version("1.35.4").Pool(testPool("p", "", fleet.AutoInPlaceUpdate)).Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal",
				Current: VersionState{ControlPlane: "1.35.4", Pools: map[string]string{"p": "1.33.4"}},
				Target:  &VersionState{ControlPlane: "1.35.4", Pools: map[string]string{"p": "1.35.4"}},
				Steps: []Step{
					{VersionState: VersionState{ControlPlane: "1.35.4", Pools: map[string]string{"p": "1.34.3"}}, Changes: []string{"pool p 1.33.4 -> 1.34.3"}},
					{VersionState: VersionState{ControlPlane: "1.35.4", Pools: map[string]string{"p": "1.35.4"}}, Changes: []string{"pool p 1.34.3 -> 1.35.4"}},
				},
			}},
		},
		{
			name: "without a cloud profile, versions come from the shoots and a minor none names is missing",
			base: objs(
				testShoot("garden-a", "s").Version("1.34.3").Unstructured(),
				// Another shoot on the same profile names 1.35.1.
				testShoot("garden-a", "t").Version("1.35.1").Unstructured(),
			),
			next: objs(
				testShoot("garden-a", "s").Version("1.37.1").Unstructured(),
				testShoot("garden-a", "t").Version("1.35.1").Unstructured(),
			),
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal",
				Current: VersionState{ControlPlane: "1.34.3"},
				Target:  &VersionState{ControlPlane: "1.37.1"},
				Steps: []Step{
					{VersionState: VersionState{ControlPlane: "1.35.1"}, Changes: []string{"control plane 1.34.3 -> 1.35.1"}},
					{VersionState: VersionState{ControlPlane: "1.36.x"}, Changes: []string{"control plane 1.35.1 -> 1.36.x"}},
					{VersionState: VersionState{ControlPlane: "1.37.1"}, Changes: []string{"control plane 1.36.x -> 1.37.1"}},
				},
				MissingMinors: []string{"1.36"},
			}},
			wantNotes: []string{"cloud profile metal not given: its versions are taken from the shoots; a minor none of them names shows as x"},
		},
		{
			name: "a profile of its own is keyed by namespace/name",
			base: objs(testShoot("garden-a", "s").Version("1.34.3").
				Set(map[string]any{"kind": "NamespacedCloudProfile", "name": "custom"}, "spec", "cloudProfile").Unstructured()),
			next: objs(testShoot("garden-a", "s").Version("1.35.4").
				Set(map[string]any{"kind": "NamespacedCloudProfile", "name": "custom"}, "spec", "cloudProfile").Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal, "garden-a/custom": catalog("1.35.4")},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "garden-a/custom",
				Current: VersionState{ControlPlane: "1.34.3"},
				Target:  &VersionState{ControlPlane: "1.35.4"},
				Steps: []Step{
					{VersionState: VersionState{ControlPlane: "1.35.4"}, Changes: []string{"control plane 1.34.3 -> 1.35.4"}},
				},
			}},
		},
		{
			name:     "a minor the cloud profile lacks is an error",
			base:     objs(testShoot("garden-a", "s").Version("1.34.3").Unstructured()),
			next:     objs(testShoot("garden-a", "s").Version("1.36.2").Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": catalog("1.34.3", "1.36.2")},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal", Steps: []Step{},
				Current: VersionState{ControlPlane: "1.34.3"},
				Error:   "control plane 1.34.3 -> 1.36.2: no usable version of 1.35",
			}},
		},
		{
			name:     "a downgrade is an error",
			base:     objs(testShoot("garden-a", "s").Version("1.36.2").Unstructured()),
			next:     objs(testShoot("garden-a", "s").Version("1.35.4").Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal", Steps: []Step{},
				Current: VersionState{ControlPlane: "1.36.2"},
				Error:   "control plane 1.36.2 -> 1.35.4 is a downgrade, which Gardener refuses: set the fleet to 1.36.2 or later (Gardener's maintenance force-updates an expired version by a minor)",
			}},
		},
		{
			name:     "a version that does not parse is an error",
			base:     objs(testShoot("garden-a", "s").Version("1.36.2").Unstructured()),
			next:     objs(testShoot("garden-a", "s").Version("1.37").Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal", Steps: []Step{},
				Error: `spec.kubernetes.version: invalid version "1.37": want MAJOR.MINOR.PATCH, optionally with a leading v`,
			}},
		},
		{
			name:     "against Git, a lower patch is kept and said to be the fleet's",
			base:     objs(testShoot("garden-a", "s").Version("1.36.2").Unstructured()),
			next:     objs(testShoot("garden-a", "s").Version("1.36.1").Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal", Steps: []Step{},
				Current: VersionState{ControlPlane: "1.36.2"},
				Target:  &VersionState{ControlPlane: "1.36.2"},
				Kept:    []string{"control plane stays at 1.36.2 (the fleet lowers it to 1.36.1; a version is never downgraded)"},
			}},
		},
		{
			name:     "against the cluster, a higher live patch is maintenance's",
			base:     objs(testShoot("garden-a", "s").Version("1.36.2").Unstructured()),
			next:     objs(testShoot("garden-a", "s").Version("1.36.1").Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal},
			manager:  "gardenfleet",
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal", Steps: []Step{},
				Current: VersionState{ControlPlane: "1.36.2"},
				Target:  &VersionState{ControlPlane: "1.36.2"},
				Kept:    []string{"control plane stays at 1.36.2 (Git asks for 1.36.1; maintenance raised the patch)"},
			}},
		},
		{
			name: "rollout settings come from the fleet; a hibernated live shoot holds",
			base: objs(testShoot("garden-a", "s").Version("1.35.4").Set(true, "status", "hibernated").Unstructured()),
			next: objs(testShoot("garden-a", "s").Version("1.36.2").Unstructured()),
			fleet: &fleet.Fleet{Shoots: []fleet.Shoot{
				fleetShoot("garden-a", "s", fleet.Rollout{Wave: "prod", DependsOn: []string{"dev"}}),
			}},
			catalogs: map[string]*planner.Catalog{"metal": metal},
			want: []Upgrade{{
				Shoot: "garden-a/s", CloudProfile: "metal", Wave: "prod", DependsOn: []string{"dev"},
				Hold:    "hibernated: the steps wait until the shoot wakes up",
				Current: VersionState{ControlPlane: "1.35.4"},
				Target:  &VersionState{ControlPlane: "1.36.2"},
				Steps: []Step{
					{VersionState: VersionState{ControlPlane: "1.36.2"}, Changes: []string{"control plane 1.35.4 -> 1.36.2"}},
				},
			}},
		},
		{
			name: "preview versions only for shoots that allow them",
			base: objs(
				testShoot("garden-a", "allows").Version("1.34.3").Unstructured(),
				testShoot("garden-a", "refuses").Version("1.34.3").Unstructured(),
			),
			next: objs(
				testShoot("garden-a", "allows").Version("1.36.2").Unstructured(),
				testShoot("garden-a", "refuses").Version("1.36.2").Unstructured(),
			),
			fleet: &fleet.Fleet{Shoots: []fleet.Shoot{
				fleetShoot("garden-a", "allows", fleet.Rollout{AllowPreview: true}),
				fleetShoot("garden-a", "refuses", fleet.Rollout{}),
			}},
			catalogs: map[string]*planner.Catalog{"metal": mustCatalog(t, []planner.ProfileVersion{
				{Version: planner.MustParseVersion("1.34.3"), Classification: planner.Supported},
				{Version: planner.MustParseVersion("1.35.1"), Classification: planner.Supported},
				{Version: planner.MustParseVersion("1.35.2"), Classification: planner.Preview},
				{Version: planner.MustParseVersion("1.36.2"), Classification: planner.Supported},
			})},
			want: []Upgrade{
				{
					Shoot: "garden-a/allows", CloudProfile: "metal",
					Current: VersionState{ControlPlane: "1.34.3"},
					Target:  &VersionState{ControlPlane: "1.36.2"},
					Steps: []Step{
						{VersionState: VersionState{ControlPlane: "1.35.2"}, Changes: []string{"control plane 1.34.3 -> 1.35.2"}},
						{VersionState: VersionState{ControlPlane: "1.36.2"}, Changes: []string{"control plane 1.35.2 -> 1.36.2"}},
					},
				},
				{
					Shoot: "garden-a/refuses", CloudProfile: "metal",
					Current: VersionState{ControlPlane: "1.34.3"},
					Target:  &VersionState{ControlPlane: "1.36.2"},
					Steps: []Step{
						{VersionState: VersionState{ControlPlane: "1.35.1"}, Changes: []string{"control plane 1.34.3 -> 1.35.1"}},
						{VersionState: VersionState{ControlPlane: "1.36.2"}, Changes: []string{"control plane 1.35.1 -> 1.36.2"}},
					},
				},
			},
		},
		{
			name:     "a shoot whose versions do not move is no upgrade",
			base:     objs(testShoot("garden-a", "s").Pool(testPool("a", "", "")).Unstructured()),
			next:     objs(testShoot("garden-a", "s").Pool(testPool("a", "", "")).Set("production", "spec", "purpose").Unstructured()),
			catalogs: map[string]*planner.Catalog{"metal": metal},
			want:     []Upgrade{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Build(Input{Base: "HEAD", BaseObjects: tt.base, Objects: tt.next, Fleet: tt.fleet, Catalogs: tt.catalogs, FieldManager: tt.manager})
			if diff := cmp.Diff(tt.want, r.Upgrades); diff != "" {
				t.Errorf("upgrades (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantNotes, r.Notes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			var wantViolations []Violation
			for _, u := range tt.want {
				if u.Error != "" {
					wantViolations = append(wantViolations, Violation{Shoot: u.Shoot, Message: u.Error})
				}
			}
			if diff := cmp.Diff(wantViolations, r.Violations, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func mustCatalog(t *testing.T, versions []planner.ProfileVersion) *planner.Catalog {
	t.Helper()
	c, err := planner.NewCatalog(versions)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBuildWaves(t *testing.T) {
	t.Parallel()
	metal := catalog("1.35.4", "1.36.2")
	f := &fleet.Fleet{
		Waves: []fleet.Wave{
			{Name: "canary", RawBake: "30m", BakeTime: 30 * time.Minute},
			{Name: "empty"},
			{Name: "prod", MaxParallel: 2, RawBake: "1h", BakeTime: time.Hour},
		},
		Shoots: []fleet.Shoot{
			fleetShoot("garden-a", "dev", fleet.Rollout{Wave: "canary"}),
			fleetShoot("garden-b", "prod-2", fleet.Rollout{Wave: "prod"}),
			fleetShoot("garden-a", "prod-1", fleet.Rollout{Wave: "prod"}),
			fleetShoot("garden-a", "loose", fleet.Rollout{}),
			// Joins a wave but does not change: not listed.
			fleetShoot("garden-a", "still", fleet.Rollout{Wave: "canary"}),
			// Cannot be planned: not listed.
			fleetShoot("garden-a", "broken", fleet.Rollout{Wave: "canary"}),
		},
	}
	var base, next []*unstructured.Unstructured
	for _, s := range f.Shoots {
		base = append(base, testShoot(s.Namespace, s.Name).Unstructured())
		v := "1.36.2"
		switch s.Name {
		case "still":
			v = "1.35.4"
		case "broken":
			v = "1.34.1"
		}
		next = append(next, testShoot(s.Namespace, s.Name).Version(v).Unstructured())
	}
	r := Build(Input{Base: "HEAD", BaseObjects: base, Objects: next, Fleet: f, Catalogs: map[string]*planner.Catalog{"metal": metal}})
	want := []Wave{
		{Name: "canary", BakeTime: "30m", Shoots: []string{"garden-a/dev"}},
		{Name: "prod", MaxParallel: 2, BakeTime: "1h", Shoots: []string{"garden-a/prod-1", "garden-b/prod-2"}},
		{Name: "", Shoots: []string{"garden-a/loose"}},
	}
	if diff := cmp.Diff(want, r.Waves); diff != "" {
		t.Errorf("waves (-want +got):\n%s", diff)
	}
}

func TestBuildInvalid(t *testing.T) {
	t.Parallel()
	r := Build(Input{
		Base:        "origin/main",
		BaseObjects: objs(testShoot("garden-a", "s").Unstructured()),
		Issues: []fleet.Issue{
			{File: "fleet/shoots.cue", Line: 7, Column: 31, Path: "shoots.prod.pools.green.kubernetes.version", Message: `pool "green" runs 1.37.1, newer than the control plane 1.36.2`},
			{File: "fleet/shoots.cue", Line: 15, Column: 11, Path: "shoots.old.project", Message: `project "nope" is not declared in projects`},
		},
	})
	want := &Report{
		Schema:  Schema,
		Base:    "origin/main",
		Invalid: true,
		Summary: Summary{Violations: 2},
		Objects: []ObjectChange{}, Upgrades: []Upgrade{}, Waves: []Wave{}, Notes: []string{},
		Violations: []Violation{
			{File: "fleet/shoots.cue", Line: 7, Column: 31, Path: "shoots.prod.pools.green.kubernetes.version", Message: `pool "green" runs 1.37.1, newer than the control plane 1.36.2`},
			{File: "fleet/shoots.cue", Line: 15, Column: 11, Path: "shoots.old.project", Message: `project "nope" is not declared in projects`},
		},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if got, want := r.Violations[0].String(), `fleet/shoots.cue:7:31: shoots.prod.pools.green.kubernetes.version: pool "green" runs 1.37.1, newer than the control plane 1.36.2`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestDecodeCloudProfile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    string
		wantKey string
		wantErr string
	}{
		{
			name:    "a CloudProfile is keyed by name",
			data:    "apiVersion: core.gardener.cloud/v1beta1\nkind: CloudProfile\nmetadata: {name: metal}\nspec: {kubernetes: {versions: [{version: 1.35.4}]}}\n",
			wantKey: "metal",
		},
		{
			name:    "a NamespacedCloudProfile by namespace/name",
			data:    "apiVersion: core.gardener.cloud/v1beta1\nkind: NamespacedCloudProfile\nmetadata: {name: custom, namespace: garden-a}\nstatus: {cloudProfileSpec: {kubernetes: {versions: [{version: 1.35.4}]}}}\n",
			wantKey: "garden-a/custom",
		},
		{
			name:    "no name",
			data:    "apiVersion: core.gardener.cloud/v1beta1\nkind: CloudProfile\nspec: {kubernetes: {versions: [{version: 1.35.4}]}}\n",
			wantErr: "decode cloud profile: metadata.name is empty",
		},
		{
			name:    "not a cloud profile",
			data:    "apiVersion: core.gardener.cloud/v1beta1\nkind: Shoot\nmetadata: {name: a}\n",
			wantErr: `decode cloud profile: kind "Shoot", want CloudProfile or NamespacedCloudProfile`,
		},
		{
			name:    "a version listed twice",
			data:    "apiVersion: core.gardener.cloud/v1beta1\nkind: CloudProfile\nmetadata: {name: metal}\nspec: {kubernetes: {versions: [{version: 1.35.4}, {version: 1.35.4}]}}\n",
			wantErr: "cloud profile metal: version 1.35.4 is listed twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, cat, err := DecodeCloudProfile([]byte(tt.data), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if key != tt.wantKey {
				t.Errorf("key = %q, want %q", key, tt.wantKey)
			}
			if _, ok := cat.Classification(planner.MustParseVersion("1.35.4")); !ok {
				t.Errorf("catalog lacks 1.35.4")
			}
		})
	}
}
