package reconciler

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
)

// etcdRequestLimit is etcd's default --max-request-bytes (1.5 MiB): a Fleet
// whose stored JSON is larger cannot be written.
const etcdRequestLimit = 3 << 19

// sizeFleet is a generated fleet of n shoots in 20 projects and three waves,
// every shoot planned, gated and recorded by the reconciler's own code
// (planShoot, gate, shootStatus, record) as a pass does.
type sizeFleet struct {
	n int
	// upgrading: Git asks for 1.37.1 and every shoot runs 1.34.8 (a new
	// revision bumped the whole fleet); else every shoot is at its target.
	upgrading bool
}

var sizeWaves = []fleet.Wave{{Name: "canary", BakeTime: time.Hour}, {Name: "dev", MaxParallel: 50, BakeTime: time.Hour}, {Name: "prod", MaxParallel: 20}}

// pass runs the status-building part of a pass on top of prev, the status the
// last pass wrote, and returns the Fleet as record leaves it.
func (f sizeFleet) pass(t testing.TB, prev v1alpha1.FleetStatus, now time.Time) *v1alpha1.Fleet {
	t.Helper()
	cat := testCatalog(t, "1.33.10", "1.34.8", "1.35.6", "1.36.4", "1.37.1")
	e := &engine{}
	catalogs := &catalogCache{e: e, now: now, byKey: map[string]catalogEntry{"CloudProfile//local": {cat: cat}}}
	fl := &v1alpha1.Fleet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "gardenfleet.dev/v1alpha1", Kind: v1alpha1.FleetKind},
		ObjectMeta: metav1.ObjectMeta{Name: "fleet", Namespace: "flux-system", Generation: 3},
		Spec:       v1alpha1.FleetSpec{URL: "https://git.example.com/platform/fleet.git", Prune: true},
		Status:     prev,
	}
	sc := &scope{fleet: fl, prev: *prev.DeepCopy(), now: now, state: &fleetState{},
		artifact: source.Artifact{Revision: "main@sha1:0123456789abcdef0123456789abcdef01234567"}}
	prevByKey := map[string]*v1alpha1.ShootStatus{}
	for i := range sc.prev.Shoots {
		s := &sc.prev.Shoots[i]
		prevByKey[s.Namespace+"/"+s.Name] = s
	}
	liveVersion := "1.37.1"
	if f.upgrading {
		liveVersion = "1.34.8"
	}
	var objects []clusters.Object
	for i := range 20 {
		p := &unstructured.Unstructured{}
		p.SetAPIVersion("core.gardener.cloud/v1beta1")
		p.SetKind("Project")
		p.SetName(fmt.Sprintf("proj%02d", i))
		objects = append(objects, clusters.Whole(p)[0])
	}
	for i := range f.n {
		ns, name := fmt.Sprintf("garden-proj%02d", i%20), fmt.Sprintf("shoot-%05d", i)
		desired := shootObj("1.37.1", "a=", "b=")
		desired.SetNamespace(ns)
		desired.SetName(name)
		_ = unstructured.SetNestedField(desired.Object, "local", "spec", "cloudProfileName")
		objects = append(objects, clusters.Whole(desired)[0])
		wave := "prod"
		switch {
		case i%100 == 0:
			wave = "canary"
		case i%3 == 0:
			wave = "dev"
		}
		it := &shootItem{desired: clusters.Whole(desired)[0], prev: prevByKey[ns+"/"+name],
			model: &fleet.Shoot{Name: name, Namespace: ns, Rollout: fleet.Rollout{Wave: wave}}}
		live := stateOf(shootObj(liveVersion, "a=", "b="))
		it.live = &liveShoot{shootState: live, step: shoot.Step{State: shoot.StepDone, Message: "Reconcile Succeeded"}}
		e.planShoot(context.Background(), it, desired, catalogs)
		sc.shoots = append(sc.shoots, it)
	}
	sc.objects = objects
	sc.build = &buildResult{revision: sc.artifact.Revision, fleet: &fleet.Fleet{Waves: sizeWaves}, objects: objects}
	in := gateInput{Now: now, StepTimeout: 2 * time.Hour, Waves: sizeWaves, PrevWaves: sc.prev.Waves,
		Shoots: make([]gateShoot, len(sc.shoots))}
	for i, it := range sc.shoots {
		in.Shoots[i] = it.gateShoot()
	}
	sc.gate = gate(in)
	for i, it := range sc.shoots {
		it.decision = sc.gate.Decisions[i]
		it.status = it.shootStatus(now)
	}
	inv := inventory.FromRefs(clusters.Refs(objects)...)
	sc.inventory = &inv
	e.health(sc)
	e.record(sc)
	setConditions(sc, nil)
	return fl
}

// testCatalog is a catalog of supported versions.
func testCatalog(t testing.TB, versions ...string) *planner.Catalog {
	t.Helper()
	var pv []planner.ProfileVersion
	for _, v := range versions {
		pv = append(pv, planner.ProfileVersion{Version: planner.MustParseVersion(v), Classification: planner.Supported})
	}
	cat, err := planner.NewCatalog(pv)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// storedSize is the Fleet's size as the API server stores it: JSON.
func storedSize(t testing.TB, f *v1alpha1.Fleet) int {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// statusParts measures what each part of the status takes.
func statusParts(t testing.TB, f *v1alpha1.Fleet) (inv, shoots int) {
	t.Helper()
	b, err := json.Marshal(f.Status.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	s, err := json.Marshal(f.Status.Shoots)
	if err != nil {
		t.Fatal(err)
	}
	return len(b), len(s)
}

// sizeAt returns the Fleet at n shoots up to date and mid-upgrade (the
// second pass of a revision that bumped every shoot).
func sizeAt(t testing.TB, n int) (upToDate, midUpgrade *v1alpha1.Fleet) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	upToDate = sizeFleet{n: n}.pass(t, v1alpha1.FleetStatus{}, now)
	first := sizeFleet{n: n, upgrading: true}.pass(t, upToDate.Status, now)
	midUpgrade = sizeFleet{n: n, upgrading: true}.pass(t, first.Status, now.Add(time.Minute))
	return upToDate, midUpgrade
}

// TestFleetStatusSize measures the Fleet object as stored at 5,000 and
// 10,000 shoots and holds it under 1 MiB, well under etcd's request limit
// (etcdRequestLimit).
func TestFleetStatusSize(t *testing.T) {
	t.Parallel()
	for _, n := range []int{5000, 10000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			up, mid := sizeAt(t, n)
			for _, c := range []struct {
				name string
				f    *v1alpha1.Fleet
			}{{"up to date", up}, {"mid-upgrade", mid}} {
				size := storedSize(t, c.f)
				inv, shoots := statusParts(t, c.f)
				t.Logf("%d shoots, %s: %d bytes (%.2f MiB, %.0f%% of etcd's limit; inventory %d, shoots %d bytes, %d listed)",
					n, c.name, size, float64(size)/(1<<20), 100*float64(size)/etcdRequestLimit, inv, shoots, len(c.f.Status.Shoots))
				if c := c.f.Status.ShootCounts; c == nil || c.Total != int32(n) {
					t.Errorf("shoot counts %+v, want a total of %d", c, n)
				}
				// Shoots are listed up to MaxListedShoots, the rest counted.
				if listed, left := len(c.f.Status.Shoots), int(c.f.Status.ShootsNotListed); c.name == "mid-upgrade" &&
					(listed != v1alpha1.MaxListedShoots || left != n-listed) {
					t.Errorf("%d listed and %d left out, want %d and %d", listed, left, v1alpha1.MaxListedShoots, n-v1alpha1.MaxListedShoots)
				}
				if size >= 1<<20 {
					t.Errorf("%d shoots, %s: the Fleet is %d bytes, want under 1 MiB", n, c.name, size)
				}
			}
		})
	}
}
