package reconciler

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// versionTrail records every distinct set of versions a Shoot's spec goes
// through, from a watch, so no step can slip by unseen.
type versionTrail struct {
	mu     sync.Mutex
	states []string
	seen   []time.Time // when each state was first seen
	stop   func()
}

func (h *harness) watchVersions(t *testing.T, name string) *versionTrail {
	t.Helper()
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(shootGVK.GroupVersion().WithKind("ShootList"))
	ctx, cancel := context.WithCancel(context.Background())
	w, err := wc.Watch(ctx, list, client.InNamespace(h.shootNamespace()), client.MatchingFields{"metadata.name": name})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	tr := &versionTrail{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			cur, _, err := shootVersions(stateOf(u), u)
			if err != nil {
				continue
			}
			s := cur.State().String()
			tr.mu.Lock()
			if n := len(tr.states); n == 0 || tr.states[n-1] != s {
				tr.states = append(tr.states, s)
				tr.seen = append(tr.seen, time.Now())
			}
			tr.mu.Unlock()
		}
	}()
	tr.stop = func() { w.Stop(); cancel(); <-done }
	t.Cleanup(tr.stop)
	return tr
}

func (tr *versionTrail) all() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.states...)
}

// span returns when the first step and the last one were seen (the initial
// state does not count).
func (tr *versionTrail) span() (first, last time.Time) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.seen) < 2 {
		return time.Time{}, time.Time{}
	}
	return tr.seen[1], tr.seen[len(tr.seen)-1]
}

// expectedPlan plans a shoot with the planner against the landscape's
// CloudProfile, as the reconciler should.
func expectedPlan(t *testing.T, cur planner.Current, desired planner.Desired) []string {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(shootGVK.GroupVersion().WithKind("CloudProfile"))
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: "local"}, u); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := planner.DecodeCloudProfile(data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cat, err := planner.NewCatalog(versions)
	if err != nil {
		t.Fatal(err)
	}
	res, err := planner.Plan(cur, desired, planner.Policy{Versions: cat})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{cur.State().String()}
	for _, s := range res.Steps {
		out = append(out, s.String())
	}
	return out
}

// shootHealthy checks that the live shoot is Ready by Gardener's status.
func (h *harness) shootHealthy(g Gomega, name string) {
	s := h.shoot(name)
	g.Expect(s).NotTo(BeNil())
	health := clusters.ShootStatus(s)
	g.Expect(health.State).To(Equal(clusters.Ready), "shoot %s: %s", name, health.Message)
}

func shootStatusOf(f *v1alpha1.Fleet, name string) *v1alpha1.ShootStatus {
	for i := range f.Status.Shoots {
		if f.Status.Shoots[i].Name == name {
			return &f.Status.Shoots[i]
		}
	}
	return nil
}

// upgradeStart is the shoot of issue 5: control plane 1.34, pools at 1.34
// (inheriting) and 1.33.
var upgradeStart = planner.Current{ControlPlane: planner.MustParseVersion("1.34.8"), Pools: []planner.Pool{
	{Name: "a", Version: planner.MustParseVersion("1.34.8")},
	{Name: "b", Version: planner.MustParseVersion("1.33.10")},
}}

// TestGatedUpgrade moves a shoot from 1.34 (pools 1.34 and 1.33) to 1.37: it
// goes through exactly the planned steps, each confirmed by the simulator
// before the next, none refused by the CRD's CEL rules; a reconciler stopped
// mid-plan and started anew resumes where the shoot is.
func TestGatedUpgrade(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	fl := newFleet()
	fl.shoot("up", "1.34.8", "1.33.10")
	rev := h.push(fl.files())
	h.createFleet()
	stop := h.start()
	h.eventually(t, func(g Gomega) {
		readyAt(g, h.fleet(g), rev)
		h.shootHealthy(g, "up")
	})

	want := expectedPlan(t, upgradeStart, planner.Desired{ControlPlane: planner.MustParseVersion("1.37.1")})
	if len(want) < 4 {
		t.Fatalf("the plan is too short to stop in the middle: %v", want)
	}
	trail := h.watchVersions(t, "up")
	h.eventually(t, func(g Gomega) { g.Expect(trail.all()).To(Equal(want[:1])) })

	up := newFleet()
	up.shoot("up", "1.37.1", "")
	target := h.push(up.files())

	t.Run("stop the reconciler mid-plan", func(t *testing.T) {
		h.eventually(t, func(g Gomega) {
			st := shootStatusOf(h.fleet(g), "up")
			g.Expect(st).NotTo(BeNil())
			g.Expect(st.CurrentStep).To(BeNumerically(">=", 2))
		})
		stop()
		// Whatever step was applied last finishes; nothing moves after it.
		h.eventually(t, func(g Gomega) { h.shootHealthy(g, "up") })
		held := trail.all()
		h.consistently(t, 5*gatePoll, func(g Gomega) {
			g.Expect(cmp.Diff(held, trail.all())).To(BeEmpty(), "versions moved with no reconciler running (-before +after)")
		})
		if len(held) >= len(want) {
			t.Fatalf("the plan finished before the reconciler stopped: %v", held)
		}
	})

	t.Run("a new reconciler resumes and finishes the plan", func(t *testing.T) {
		h.start()
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			readyAt(g, f, target)
			st := shootStatusOf(f, "up")
			g.Expect(st).NotTo(BeNil())
			g.Expect(st.Phase).To(Equal(v1alpha1.ShootUpToDate))
			h.shootHealthy(g, "up")
		})
		if diff := cmp.Diff(want, trail.all()); diff != "" {
			t.Errorf("versions the shoot went through (-planned +seen):\n%s", diff)
		}
		var steps []string
		for _, e := range h.events.all() {
			if strings.HasPrefix(e, "Warning") {
				t.Errorf("unexpected Warning Event (a step refused?): %s", e)
			}
			if strings.HasPrefix(e, "Normal UpgradeStep ") {
				steps = append(steps, e[strings.Index(e, "applying step"):strings.Index(e, ":")])
			}
		}
		var wantSteps []string
		for i := 1; i < len(want); i++ {
			wantSteps = append(wantSteps, "applying step "+strconv.Itoa(i)+"/"+strconv.Itoa(len(want)-1))
		}
		if diff := cmp.Diff(wantSteps, steps); diff != "" {
			t.Errorf("UpgradeStep Events (-want +got):\n%s", diff)
		}
	})
}

// TestFailedStepStallsThatShootOnly makes the first step of one shoot fail:
// that shoot stalls with the reason, the other one reaches its target.
func TestFailedStepStallsThatShootOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	fl := newFleet()
	fl.shoot("bad", "1.36.4", "")
	fl.shoot("good", "1.36.4", "")
	h.startHealthy(fl)

	ctx := context.Background()
	patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+simulator.FailNextOperationAnnotation+`":"true"}}}`))
	if err := env.Client.Patch(ctx, h.shoot("bad"), patch, client.FieldOwner("test")); err != nil {
		t.Fatal(err)
	}
	up := newFleet()
	up.shoot("bad", "1.37.1", "")
	up.shoot("good", "1.37.1", "")
	target := h.push(up.files())

	h.eventually(t, func(g Gomega) {
		f := h.fleet(g)
		g.Expect(f.Status.LastAppliedRevision).To(Equal(target))
		bad, good := shootStatusOf(f, "bad"), shootStatusOf(f, "good")
		g.Expect(bad).NotTo(BeNil())
		g.Expect(good).NotTo(BeNil())
		g.Expect(good.Phase).To(Equal(v1alpha1.ShootUpToDate))
		g.Expect(bad.Phase).To(Equal(v1alpha1.ShootStalled))
		g.Expect(bad.Reason).To(Equal(StepFailedReason))
		g.Expect(bad.Message).To(Equal("step 1/2: last operation Reconcile Error: Reconcile of Shoot cluster failed: simulated failure (" +
			simulator.FailNextOperationAnnotation + ")."))
		g.Expect(bad.ControlPlane).To(Equal("1.37.1"), "the failed step is the control plane's")
		g.Expect(bad.Pools).To(Equal(map[string]string{"a": "1.36.4", "b": "1.36.4"}), "no step after the failed one")
		ready := conditions.Get(f, meta.ReadyCondition)
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(HealthCheckFailedReason))
		g.Expect(ready.Message).To(Equal("applied revision " + target + "; 1 stalled (" + h.shootNamespace() + "/bad)"))
		g.Expect(conditions.Has(f, meta.StalledCondition)).To(BeFalse(), "one shoot does not stall the fleet")
		h.shootHealthy(g, "good")
	})
	good := h.shoot("good")
	if cp, _ := liveVersions(stateOf(good)); cp != "1.37.1" {
		t.Errorf("good shoot control plane = %s, want 1.37.1", cp)
	}
	stalled := "Warning HealthCheckFailed Shoot/" + h.shootNamespace() + "/bad stalled: step 1/2: last operation Reconcile Error"
	if !containsEvent(h.events.all(), stalled) {
		t.Errorf("no Event %q; events:\n%s", stalled, strings.Join(h.events.all(), "\n"))
	}
}

// TestHibernatedShootsHold holds a hibernated shoot's steps until it wakes,
// while a hibernated shoot that may proceed upgrades asleep.
func TestHibernatedShootsHold(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	fl := newFleet()
	fl.shoot("sleepy", "1.36.4", "").with("hibernation: enabled: true")
	fl.shoot("night-owl", "1.36.4", "").with("hibernation: enabled: true").rolloutWith(`whileHibernated: "proceed"`)
	rev := h.push(fl.files())
	h.createFleet()
	h.start()
	h.eventually(t, func(g Gomega) {
		readyAt(g, h.fleet(g), rev)
		h.shootHealthy(g, "sleepy")
		h.shootHealthy(g, "night-owl")
	})

	up := newFleet()
	up.shoot("sleepy", "1.37.1", "").with("hibernation: enabled: true")
	up.shoot("night-owl", "1.37.1", "").with("hibernation: enabled: true").rolloutWith(`whileHibernated: "proceed"`)
	target := h.push(up.files())
	h.eventually(t, func(g Gomega) {
		f := h.fleet(g)
		readyAt(g, f, target)
		g.Expect(conditions.GetMessage(f, meta.ReadyCondition)).To(Equal("applied revision " + target + "; 1 held while hibernated"))
		sleepy, owl := shootStatusOf(f, "sleepy"), shootStatusOf(f, "night-owl")
		g.Expect(sleepy).NotTo(BeNil())
		g.Expect(sleepy.Phase).To(Equal(v1alpha1.ShootHeld))
		g.Expect(sleepy.Message).To(Equal("hibernated: 2 steps held until it wakes"))
		g.Expect(sleepy.ControlPlane).To(Equal("1.36.4"))
		g.Expect(owl.Phase).To(Equal(v1alpha1.ShootUpToDate))
		g.Expect(owl.ControlPlane).To(Equal("1.37.1"))
	})

	awake := newFleet()
	awake.shoot("sleepy", "1.37.1", "").with("hibernation: enabled: false")
	awake.shoot("night-owl", "1.37.1", "").with("hibernation: enabled: true").rolloutWith(`whileHibernated: "proceed"`)
	woken := h.push(awake.files())
	h.eventually(t, func(g Gomega) {
		f := h.fleet(g)
		readyAt(g, f, woken)
		sleepy := shootStatusOf(f, "sleepy")
		g.Expect(sleepy.Phase).To(Equal(v1alpha1.ShootUpToDate))
		g.Expect(sleepy.ControlPlane).To(Equal("1.37.1"))
		g.Expect(sleepy.Pools).To(Equal(map[string]string{"a": "1.37.1", "b": "1.37.1"}))
	})
}
