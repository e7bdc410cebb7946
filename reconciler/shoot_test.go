package reconciler

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/gardener/shoot/shoottest"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// shootObj builds a Shoot with a control plane version and pools given as
// "name=version" ("name=" inherits), "name=version/inplace" for in-place.
func shootObj(cp string, pools ...string) *unstructured.Unstructured {
	b := shoottest.New("garden-x", "s").Version(cp).Provider("local")
	for _, p := range pools {
		name, rest, _ := cut(p, "=")
		version, strategy, _ := cut(rest, "/")
		pool := shoottest.Pool{Name: name, Machine: "v1-small-x86", Version: version}
		if strategy == "inplace" {
			pool.Strategy = "AutoInPlaceUpdate"
		}
		b.Pool(pool)
	}
	return b.Unstructured()
}

func cut(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// versionsOf renders a Shoot's version fields as "cp; pool=version" with
// "pool=-" for a pool that inherits.
func versionsOf(u *unstructured.Unstructured) []string {
	st := stateOf(u)
	out := []string{st.controlPlane}
	for _, w := range st.pools {
		v := w.version
		if v == "" {
			v = "-"
		}
		out = append(out, w.name+"="+v)
	}
	return out
}

func v(s string) planner.Version { return planner.MustParseVersion(s) }

func TestShootVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		live, want  *unstructured.Unstructured
		wantCurrent planner.Current
		wantDesired planner.Desired
		wantErr     string
	}{
		{
			name:        "inherited pools carry the control plane's version",
			live:        shootObj("1.34.8", "a=", "b=1.33.10"),
			want:        shootObj("1.37.1", "a=", "b="),
			wantCurrent: planner.Current{ControlPlane: v("1.34.8"), Pools: []planner.Pool{{Name: "a", Version: v("1.34.8")}, {Name: "b", Version: v("1.33.10")}}},
			wantDesired: planner.Desired{ControlPlane: v("1.37.1")},
		},
		{
			name:        "pinned pools and in-place strategies on either side",
			live:        shootObj("1.34.8", "a=1.34.8/inplace", "b="),
			want:        shootObj("1.35.6", "a=", "b=1.34.8/inplace"),
			wantCurrent: planner.Current{ControlPlane: v("1.34.8"), Pools: []planner.Pool{{Name: "a", Version: v("1.34.8"), InPlace: true}, {Name: "b", Version: v("1.34.8"), InPlace: true}}},
			wantDesired: planner.Desired{ControlPlane: v("1.35.6"), Pools: map[string]planner.Version{"b": v("1.34.8")}},
		},
		{
			name:        "pools only one side has are not planned",
			live:        shootObj("1.34.8", "old=", "a="),
			want:        shootObj("1.34.8", "a=", "new=1.34.8"),
			wantCurrent: planner.Current{ControlPlane: v("1.34.8"), Pools: []planner.Pool{{Name: "a", Version: v("1.34.8")}}},
			wantDesired: planner.Desired{ControlPlane: v("1.34.8")},
		},
		{
			name:        "workerless",
			live:        shootObj("1.34.8"),
			want:        shootObj("1.35.6"),
			wantCurrent: planner.Current{ControlPlane: v("1.34.8")},
			wantDesired: planner.Desired{ControlPlane: v("1.35.6")},
		},
		// errors
		{
			name:    "live version not a version",
			live:    shootObj("latest"),
			want:    shootObj("1.35.6"),
			wantErr: `live control plane: invalid version "latest": want MAJOR.MINOR.PATCH, optionally with a leading v`,
		},
		{
			name:    "desired pool version not a version",
			live:    shootObj("1.34.8", "a="),
			want:    shootObj("1.35.6", "a=1.35"),
			wantErr: `desired pool a: invalid version "1.35": want MAJOR.MINOR.PATCH, optionally with a leading v`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cur, want, err := shootVersions(stateOf(tt.live), tt.want)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantCurrent, cur); diff != "" {
				t.Errorf("current (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDesired, want); diff != "" {
				t.Errorf("desired (-want +got):\n%s", diff)
			}
		})
	}
}

func state(cp string, pools ...string) planner.State {
	s := planner.State{ControlPlane: v(cp)}
	for _, p := range pools {
		name, version, _ := cut(p, "=")
		s.Pools = append(s.Pools, planner.PoolVersion{Name: name, Version: v(version)})
	}
	return s
}

func TestWithVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		desired, live *unstructured.Unstructured
		state         planner.State
		want          []string
	}{
		{
			name:    "a control plane step writes the pools down where they stay",
			desired: shootObj("1.37.1", "a=", "b="),
			live:    shootObj("1.34.8", "a=", "b=1.33.10"),
			state:   state("1.35.6", "a=1.34.8", "b=1.33.10"),
			want:    []string{"1.35.6", "a=1.34.8", "b=1.33.10"},
		},
		{
			name:    "a pool that inherits and keeps up stays inherited",
			desired: shootObj("1.35.6", "a="),
			live:    shootObj("1.34.8", "a="),
			state:   state("1.34.8", "a=1.34.8"),
			want:    []string{"1.34.8", "a=-"},
		},
		{
			name:    "a pool written down stays written down at the end",
			desired: shootObj("1.37.1", "a="),
			live:    shootObj("1.37.1", "a=1.36.4"),
			state:   state("1.37.1", "a=1.37.1"),
			want:    []string{"1.37.1", "a=1.37.1"},
		},
		{
			name:    "a new pool is capped at the control plane",
			desired: shootObj("1.37.1", "a=", "new=1.37.1", "old=1.34.8"),
			live:    shootObj("1.35.6", "a="),
			state:   state("1.36.4", "a=1.35.6"),
			want:    []string{"1.36.4", "a=1.35.6", "new=1.36.4", "old=1.34.8"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := withVersions(tt.desired, stateOf(tt.live), tt.state)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, versionsOf(got)); diff != "" {
				t.Errorf("versions (-want +got):\n%s", diff)
			}
			if cp := versionsOf(tt.desired)[0]; cp != versionsOf(shootObj(cp))[0] {
				t.Errorf("desired object modified")
			}
		})
	}
}

// TestWithLiveVersions: the live Shoot's state reaches shoot.WithLiveVersions
// (tested there) as it is, inheritance included.
func TestWithLiveVersions(t *testing.T) {
	t.Parallel()
	desired := shootObj("1.37.1", "a=", "b=1.37.1")
	got, err := withLiveVersions(desired, stateOf(shootObj("1.35.6", "a=", "b=1.34.8")))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1.35.6", "a=-", "b=1.34.8"}, versionsOf(got)); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	at := shootObj("1.35.6", "a=", "b=1.34.8")
	if got, err := withLiveVersions(at, stateOf(at.DeepCopy())); err != nil || got != at {
		t.Errorf("withLiveVersions() at the live versions = %p, %v; want the rendered Shoot itself", got, err)
	}
}

func TestStatusInventoryRoundTrip(t *testing.T) {
	t.Parallel()
	inv := inventory.FromRefs(
		inventory.Ref{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot", Namespace: "garden-dev", Name: "a"},
		inventory.Ref{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Project", Name: "dev"},
		inventory.Ref{Version: "v1", Kind: "Namespace", Name: "labs"},
	)
	st := toStatusInventory(inv)
	want := &v1alpha1.ResourceInventory{Types: []v1alpha1.InventoryType{
		{Version: "v1", Kind: "Namespace", Namespaces: []v1alpha1.InventoryNamespace{{Names: []string{"labs"}}}},
		{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Project", Namespaces: []v1alpha1.InventoryNamespace{{Names: []string{"dev"}}}},
		{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot", Namespaces: []v1alpha1.InventoryNamespace{{Namespace: "garden-dev", Names: []string{"a"}}}},
	}}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("status inventory (-want +got):\n%s", diff)
	}
	if n := st.Len(); n != 3 {
		t.Errorf("Len() = %d, want 3", n)
	}
	if diff := cmp.Diff(inv, statusInventory(st)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestStatusInventoryFluxForm reads the inventory as Fleets written before the
// grouped form hold it: Flux's ids.
func TestStatusInventoryFluxForm(t *testing.T) {
	t.Parallel()
	st := &v1alpha1.ResourceInventory{Entries: []v1alpha1.ResourceRef{
		{ID: "_dev_core.gardener.cloud_Project", Version: "v1beta1"},
		{ID: "_labs__Namespace", Version: "v1"},
		{ID: "garden-dev_a_core.gardener.cloud_Shoot", Version: "v1beta1"},
		{ID: "not-an-id", Version: "v1"},
	}}
	want := inventory.FromRefs(
		inventory.Ref{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot", Namespace: "garden-dev", Name: "a"},
		inventory.Ref{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Project", Name: "dev"},
		inventory.Ref{Version: "v1", Kind: "Namespace", Name: "labs"},
	)
	if diff := cmp.Diff(want, statusInventory(st)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Written again, it takes the grouped form.
	if got := toStatusInventory(statusInventory(st)); len(got.Entries) != 0 || got.Len() != 3 {
		t.Errorf("written again: %d entries, %d objects; want 0 entries, 3 objects", len(got.Entries), got.Len())
	}
}

// An operation that ended after a pass began, but before the pass read the
// Shoot, is the previous step's. With confineSpecUpdateRollout the next
// step's apply does not raise the generation, so its start must be no
// earlier than that operation, or the next pass takes it for the new step's.
func TestAStaleOperationNeverConfirmsAConfinedStep(t *testing.T) {
	t.Parallel()
	passBegan := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	ended := passBegan.Add(2 * time.Second)
	u := shootObj("1.37.1", "a=1.36.4")
	set := func(v any, fields ...string) {
		t.Helper()
		if err := unstructured.SetNestedField(u.Object, v, fields...); err != nil {
			t.Fatal(err)
		}
	}
	u.SetGeneration(3)
	set(true, "spec", "maintenance", "confineSpecUpdateRollout")
	set(map[string]any{"begin": "220000+0000", "end": "230000+0000"}, "spec", "maintenance", "timeWindow")
	set(int64(3), "status", "observedGeneration")
	set(map[string]any{"type": "Reconcile", "state": "Succeeded", "progress": int64(100),
		"lastUpdateTime": ended.Format(time.RFC3339)}, "status", "lastOperation")
	var conds []any
	for _, c := range []string{"APIServerAvailable", "ControlPlaneHealthy", "EveryNodeReady", "SystemComponentsHealthy"} {
		conds = append(conds, map[string]any{"type": c, "status": "True"})
	}
	set(conds, "status", "conditions")

	it := &shootItem{live: observeLiveShoot(u, time.Time{})}
	if it.live.step.State != shoot.StepDone {
		t.Fatalf("the previous step is not done: %s", it.live.step.Message)
	}
	// As the next pass reads it back from the status: whole seconds.
	applied := metav1.NewTime(it.stepStart(passBegan)).Rfc3339Copy().Time
	s, err := shoot.Read(u)
	if err != nil {
		t.Fatal(err)
	}
	if got := shoot.Confirm(s, applied); got.State != shoot.StepWaitingForWindow {
		t.Errorf("the next step applied at %s: %s %q, want it waiting for its window", applied, got.State, got.Message)
	}
}
