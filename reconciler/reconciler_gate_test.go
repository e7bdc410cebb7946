package reconciler

import (
	"context"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

// The tests of this file change the simulator's behaviour for every shoot:
// none of this package's tests run in parallel.

// stepStatus is what the gate tests compare of a shoot's status.
type stepStatus struct {
	Phase   v1alpha1.ShootPhase
	Reason  string
	Step    int32
	Message string
}

func stepStatusOf(g Gomega, f *v1alpha1.Fleet, name string) stepStatus {
	st := shootStatusOf(f, name)
	g.Expect(st).NotTo(BeNil(), "no status of shoot %s", name)
	return stepStatus{Phase: st.Phase, Reason: st.Reason, Step: st.CurrentStep, Message: st.Message}
}

// startHealthy pushes fl, creates the Fleet (mutated), starts a reconciler
// and waits until every shoot of fl is created and healthy.
func (h *harness) startHealthy(fl *fleetBuilder, mutate ...func(*v1alpha1.Fleet)) {
	h.t.Helper()
	rev := h.push(fl.files())
	h.createFleet(mutate...)
	h.start()
	h.eventually(h.t, func(g Gomega) {
		readyAt(g, h.fleet(g), rev)
		for _, s := range fl.shoots {
			h.shootHealthy(g, s.name)
		}
	})
}

// liveSpec returns the live shoot's control plane and pool versions.
func (h *harness) liveSpec(g Gomega, name string) []any {
	u := h.shoot(name)
	g.Expect(u).NotTo(BeNil())
	cp, pools := liveVersions(stateOf(u))
	return []any{cp, pools}
}

// operationOf returns the live shoot's generation, observedGeneration and
// lastOperation type and state.
func operationOf(u *unstructured.Unstructured) []any {
	observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	typ, _, _ := unstructured.NestedString(u.Object, "status", "lastOperation", "type")
	state, _, _ := unstructured.NestedString(u.Object, "status", "lastOperation", "state")
	return []any{u.GetGeneration(), observed, typ, state}
}

// TestGateNeverConfirmsAStaleOperation holds Gardener at each point where a
// step applied looks done to a naive check: before the operation starts
// (the previous operation's Succeeded still there, the new generation not
// observed) and while it runs (generation observed, Processing). Step 2 is
// applied only after the step's own operation succeeded.
func TestGateNeverConfirmsAStaleOperation(t *testing.T) {
	h := newHarness(t)
	fl := newFleet()
	fl.shoot("held", "1.36.4", "")
	h.startHealthy(fl)

	env.Simulator.SetBehaviour(simulator.Behaviour{HoldStarts: true})
	t.Cleanup(env.Simulator.ClearBehaviour)
	up := newFleet()
	up.shoot("held", "1.37.1", "")
	target := h.push(up.files())
	step1 := []any{"1.37.1", map[string]string{"a": "1.36.4", "b": "1.36.4"}}

	// holds checks that step 1 stays applied and unconfirmed for many gate
	// passes while the shoot's operation is as op says.
	holds := func(t *testing.T, op []any, message string) {
		t.Helper()
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			g.Expect(f.Status.LastAppliedRevision).To(Equal(target))
			g.Expect(stepStatusOf(g, f, "held")).To(Equal(stepStatus{Phase: v1alpha1.ShootUpgrading, Reason: StepInProgressReason, Step: 1, Message: message}))
			g.Expect(operationOf(h.shoot("held"))).To(Equal(op))
		})
		NewWithT(t).Consistently(func(g Gomega) {
			g.Expect(h.liveSpec(g, "held")).To(Equal(step1))
			g.Expect(stepStatusOf(g, h.fleet(g), "held").Step).To(Equal(int32(1)))
		}).WithTimeout(30 * gatePoll).WithPolling(gatePoll).Should(Succeed())
	}

	var gen int64
	t.Run("before Gardener starts the operation: the previous Succeeded is stale", func(t *testing.T) {
		h.eventually(t, func(g Gomega) { g.Expect(h.liveSpec(g, "held")).To(Equal(step1)) })
		gen = h.shoot("held").GetGeneration()
		holds(t, []any{gen, gen - 1, "Create", "Succeeded"},
			"step 1/2: step in progress: waiting for gardener to observe generation "+strconv.FormatInt(gen, 10)+" (observed "+strconv.FormatInt(gen-1, 10)+")")
	})
	t.Run("while the operation runs: generation observed, Processing", func(t *testing.T) {
		env.Simulator.SetBehaviour(simulator.Behaviour{HoldOperations: true})
		holds(t, []any{gen, gen, "Reconcile", "Processing"},
			"step 1/2: step in progress: last operation Reconcile Processing (0%): Reconcile of Shoot cluster in progress.")
	})
	t.Run("once it succeeded the plan goes on", func(t *testing.T) {
		env.Simulator.ClearBehaviour()
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			readyAt(g, f, target)
			g.Expect(shootStatusOf(f, "held").Phase).To(Equal(v1alpha1.ShootUpToDate))
			g.Expect(h.liveSpec(g, "held")).To(Equal([]any{"1.37.1", map[string]string{"a": "1.37.1", "b": "1.37.1"}}))
		})
	})
}

// TestConfinedStepWaitsForItsWindow: a shoot with confineSpecUpdateRollout
// gets no operation for a step until its maintenance window: the step waits
// for the window (its timeout, shorter than the wait, counts from the
// window's start), the window's maintenance rolls it out, and the next step,
// applied inside the window after maintenance ran, waits for the next one.
func TestConfinedStepWaitsForItsWindow(t *testing.T) {
	h := newHarness(t)
	// The window opens 30s from now; the step timeout (15s) ends before it.
	begin := time.Now().UTC().Add(30 * time.Second).Truncate(time.Second)
	end := begin.Add(time.Hour)
	window := `maintenance: window: {begin: "` + begin.Format("150405") + `+0000", end: "` + end.Format("150405") + `+0000"}`
	fl := newFleet()
	fl.shoot("confined", "1.36.4", "").with(window)
	h.startHealthy(fl, func(f *v1alpha1.Fleet) { f.Spec.StepTimeout = &metav1.Duration{Duration: 15 * time.Second} })
	// Someone else confines the shoot's spec updates to its window; the
	// fleet does not manage the field.
	patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"maintenance":{"confineSpecUpdateRollout":true}}}`))
	if err := env.Client.Patch(context.Background(), h.shoot("confined"), patch, client.FieldOwner("test")); err != nil {
		t.Fatal(err)
	}
	env.Simulator.SetBehaviour(simulator.Behaviour{MaintenanceWindows: true})
	t.Cleanup(env.Simulator.ClearBehaviour)

	up := newFleet()
	up.shoot("confined", "1.37.1", "").with(window)
	h.push(up.files())
	waiting := "step 1/2: waiting for its maintenance window " + shoot.Label(begin, end) + " (confineSpecUpdateRollout); last operation Create Succeeded at "
	h.eventually(t, func(g Gomega) {
		st := stepStatusOf(g, h.fleet(g), "confined")
		g.Expect([]any{st.Phase, st.Reason, st.Step}).To(Equal([]any{v1alpha1.ShootUpgrading, MaintenanceWindowReason, int32(1)}))
		g.Expect(st.Message).To(HavePrefix(waiting))
	})
	t.Run("the step waits for the window, longer than its timeout", func(t *testing.T) {
		NewWithT(t).Consistently(func(g Gomega) {
			st := stepStatusOf(g, h.fleet(g), "confined")
			g.Expect([]any{st.Phase, st.Reason, st.Step}).To(Equal([]any{v1alpha1.ShootUpgrading, MaintenanceWindowReason, int32(1)}), st.Message)
			g.Expect(h.liveSpec(g, "confined")).To(Equal([]any{"1.37.1", map[string]string{"a": "1.36.4", "b": "1.36.4"}}))
		}).WithTimeout(time.Until(begin) - time.Second).WithPolling(gatePoll).Should(Succeed())
	})
	t.Run("the window's maintenance rolls it out; the next step waits for the next window", func(t *testing.T) {
		next := "step 2/2: waiting for its maintenance window " + shoot.Label(begin.AddDate(0, 0, 1), end.AddDate(0, 0, 1)) +
			" (confineSpecUpdateRollout); last operation Reconcile Succeeded at "
		h.eventually(t, func(g Gomega) {
			st := stepStatusOf(g, h.fleet(g), "confined")
			g.Expect([]any{st.Phase, st.Reason, st.Step}).To(Equal([]any{v1alpha1.ShootUpgrading, MaintenanceWindowReason, int32(2)}), st.Message)
			g.Expect(st.Message).To(HavePrefix(next))
			g.Expect(h.liveSpec(g, "confined")).To(Equal([]any{"1.37.1", map[string]string{"a": "1.37.1", "b": "1.37.1"}}))
		})
	})
}

// TestPendingInPlaceUpdatesHoldTheStep: a pool updating in place reports
// its nodes pending after the operation succeeded; the step is not done
// until they are.
func TestPendingInPlaceUpdatesHoldTheStep(t *testing.T) {
	h := newHarness(t)
	inPlace := func(version string) *fleetBuilder {
		fl := newFleet()
		fl.shoot("ip", version, "").pools[1] = `b: {machine: "local", updateStrategy: "AutoInPlaceUpdate"}`
		return fl
	}
	// As gardener-apiserver runs, so the fleet's shoots are checked.
	h.startHealthy(inPlace("1.36.4"), func(f *v1alpha1.Fleet) { f.Spec.FeatureGates = map[string]bool{"InPlaceNodeUpdates": true} })

	env.Simulator.SetBehaviour(simulator.Behaviour{HoldInPlaceUpdates: true})
	t.Cleanup(env.Simulator.ClearBehaviour)
	target := h.push(inPlace("1.37.1").files())
	pending := stepStatus{Phase: v1alpha1.ShootUpgrading, Reason: StepInProgressReason, Step: 2,
		Message: "step 2/2: step in progress: in-place update pending for pools b"}
	h.eventually(t, func(g Gomega) {
		f := h.fleet(g)
		g.Expect(f.Status.LastAppliedRevision).To(Equal(target))
		g.Expect(stepStatusOf(g, f, "ip")).To(Equal(pending))
		g.Expect(operationOf(h.shoot("ip"))[3]).To(Equal("Succeeded"))
	})
	NewWithT(t).Consistently(func(g Gomega) {
		g.Expect(stepStatusOf(g, h.fleet(g), "ip")).To(Equal(pending))
	}).WithTimeout(30 * gatePoll).WithPolling(gatePoll).Should(Succeed())

	env.Simulator.ClearBehaviour()
	h.eventually(t, func(g Gomega) {
		f := h.fleet(g)
		readyAt(g, f, target)
		g.Expect(shootStatusOf(f, "ip").Phase).To(Equal(v1alpha1.ShootUpToDate))
	})
}
