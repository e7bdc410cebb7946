package reconciler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

// TestForcedUpdateOfAnExpiredVersion: Gardener's maintenance force-updates
// an expired Kubernetes version one minor up, auto-update off. Before, the
// Fleet forecasts it (status and metric). After, the fleet keeps the
// version Gardener raised and never writes the older one back (the plan
// and the apply path each keep it); the shoot stalls, since Git now asks
// for a downgrade, and the rest of the Shoot is left alone. Once Git
// catches up, the Fleet is Ready again.
func TestForcedUpdateOfAnExpiredVersion(t *testing.T) {
	h := newHarness(t)
	// A profile of the test's own: expiring a version of "local" would
	// touch the shoots other tests left behind.
	profile := h.copyCloudProfile("local")
	fl := newFleet()
	fl.shoot("forced", "1.36.4", "").on(profile).with(`maintenance: autoUpdate: kubernetesVersion: false`)
	h.startHealthy(fl)
	rev := h.fleet(NewWithT(t)).Status.LastAppliedRevision
	h.eventually(t, func(g Gomega) {
		g.Expect(h.fleet(g).Status.ShootsFacingForcedUpdate).To(BeZero())
		g.Expect(h.forcedGauge(g)).To(BeZero())
	})
	before := h.shoot("forced")

	t.Run("a version expiring within 30 days is forecast", func(t *testing.T) {
		setExpiration(t, profile, "1.36.4", time.Now().Add(10*24*time.Hour))
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			readyAt(g, f, rev)
			g.Expect(f.Status.ShootsFacingForcedUpdate).To(BeEquivalentTo(1))
			g.Expect(h.forcedGauge(g)).To(Equal(1.0))
		})
	})

	forced := []any{"1.37.1", map[string]string{"a": "1.37.1", "b": "1.37.1"}}
	key := h.shootNamespace() + "/forced"
	downgrade := "no plan reaches the target: control plane 1.37.1 -> 1.36.4 is a downgrade, which Gardener refuses: set the fleet to 1.37.1 or later (Gardener's maintenance force-updates an expired version by a minor)"
	stalled := v1alpha1.ShootStatus{Name: "forced", Namespace: h.shootNamespace(), Phase: v1alpha1.ShootStalled,
		Reason: PlanRejectedReason, Message: downgrade, ControlPlane: "1.37.1", Pools: forced[1].(map[string]string),
		LastOperation: &v1alpha1.LastOperation{Type: "Reconcile", State: simulator.StateSucceeded}}
	ready := []any{metav1.ConditionFalse, PlanRejectedReason, "applied revision " + rev + "; 1 stalled (" + key + ")"}

	t.Run("maintenance force-updates the expired version one minor; the fleet keeps it", func(t *testing.T) {
		setExpiration(t, profile, "1.36.4", time.Now().Add(-time.Hour))
		// Gardener's own trigger of a maintenance run now, as its window would.
		patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+simulator.OperationAnnotation+`":"maintain"}}}`))
		if err := env.Client.Patch(context.Background(), h.shoot("forced"), patch, client.FieldOwner("test")); err != nil {
			t.Fatal(err)
		}
		h.eventually(t, func(g Gomega) {
			g.Expect(h.liveSpec(g, "forced")).To(Equal(forced))
			g.Expect(operationOf(h.shoot("forced"))[2:]).To(Equal([]any{"Reconcile", simulator.StateSucceeded}))
			f := h.fleet(g)
			// Ready first: after a failed apply the shoot's line is stale.
			g.Expect(readyOf(f)).To(Equal(ready))
			g.Expect(shootStatusOf(f, "forced")).To(Equal(&stalled))
			// 1.37.1 does not expire.
			g.Expect(f.Status.ShootsFacingForcedUpdate).To(BeZero())
			g.Expect(h.forcedGauge(g)).To(BeZero())
		})
		NewWithT(t).Expect(h.events.all()).To(ContainElement("Warning PlanRejected Shoot/" + key + " stalled: " + downgrade))
	})

	t.Run("no downgrade is written and nothing else changes", func(t *testing.T) {
		h.counter.take()
		generation := h.shoot("forced").GetGeneration()
		// Several passes (the interval is a second).
		h.consistently(t, 5*time.Second, func(g Gomega) {
			u := h.shoot("forced")
			g.Expect(u).NotTo(BeNil())
			g.Expect(u.GetDeletionTimestamp()).To(BeNil())
			g.Expect(u.GetGeneration()).To(Equal(generation))
			g.Expect(h.liveSpec(g, "forced")).To(Equal(forced))
			f := h.fleet(g)
			g.Expect(readyOf(f)).To(Equal(ready))
			g.Expect(shootStatusOf(f, "forced")).To(Equal(&stalled))
			g.Expect(conditions.Get(f, meta.StalledCondition)).To(BeNil())
		})
		g := NewWithT(t)
		g.Expect(shootWrites(h.counter.take(), h.shootNamespace(), "forced")).To(BeEmpty())
		g.Expect(h.events.all()).NotTo(ContainElement(HavePrefix("Warning " + ApplyFailedReason)))
		// The Shoot is as the fleet made it, but for the version Gardener raised.
		g.Expect(specWithoutVersion(h.shoot("forced"))).To(Equal(specWithoutVersion(before)))
	})

	t.Run("once Git catches up the Fleet is Ready", func(t *testing.T) {
		up := newFleet()
		up.shoot("forced", "1.37.1", "").on(profile).with(`maintenance: autoUpdate: kubernetesVersion: false`)
		target := h.push(up.files())
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			readyAt(g, f, target)
			g.Expect(shootStatusOf(f, "forced").Phase).To(Equal(v1alpha1.ShootUpToDate))
			g.Expect(h.liveSpec(g, "forced")).To(Equal(forced))
		})
	})
}

// copyCloudProfile creates a CloudProfile with the spec of the named one,
// named after the test's project, and returns its name.
func (h *harness) copyCloudProfile(from string) string {
	h.t.Helper()
	ctx := context.Background()
	src := &unstructured.Unstructured{}
	src.SetGroupVersionKind(simulator.CloudProfileGVK)
	if err := env.Client.Get(ctx, client.ObjectKey{Name: from}, src); err != nil {
		h.t.Fatal(err)
	}
	p := &unstructured.Unstructured{Object: map[string]any{"spec": src.Object["spec"]}}
	p.SetGroupVersionKind(simulator.CloudProfileGVK)
	p.SetName(from + "-" + h.project)
	if err := env.Client.Create(ctx, p); err != nil {
		h.t.Fatal(err)
	}
	return p.GetName()
}

// setExpiration sets the expirationDate of a Kubernetes version of a
// CloudProfile.
func setExpiration(t *testing.T, profile, version string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	p := &unstructured.Unstructured{}
	p.SetGroupVersionKind(simulator.CloudProfileGVK)
	if err := env.Client.Get(ctx, client.ObjectKey{Name: profile}, p); err != nil {
		t.Fatal(err)
	}
	versions, _, err := unstructured.NestedSlice(p.Object, "spec", "kubernetes", "versions")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range versions {
		if m, ok := v.(map[string]any); ok && m["version"] == version {
			m["expirationDate"] = at.UTC().Format(time.RFC3339)
			found = true
		}
	}
	if !found {
		t.Fatalf("CloudProfile %s lists no version %s", profile, version)
	}
	if err := unstructured.SetNestedSlice(p.Object, versions, "spec", "kubernetes", "versions"); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
}

// forcedGauge reads the Fleet's gardenfleet_shoots_facing_forced_update
// from the reconciler's registry, as a scrape would.
func (h *harness) forcedGauge(g Gomega) float64 {
	families, err := h.registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	var value *float64
	for _, mf := range families {
		if mf.GetName() != "gardenfleet_shoots_facing_forced_update" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == h.key.Namespace && labels["name"] == h.key.Name {
				value = m.GetGauge().Value
			}
		}
	}
	g.Expect(value).NotTo(BeNil(), "no series gardenfleet_shoots_facing_forced_update of %s", h.key)
	return *value
}

// readyOf returns the Fleet's Ready condition's status, reason and message.
func readyOf(f *v1alpha1.Fleet) []any {
	status, reason, message := readyReason(f)
	return []any{status, reason, message}
}

// shootWrites picks the requests that write the named Shoot.
func shootWrites(requests []string, namespace, name string) []string {
	var out []string
	for _, r := range requests {
		if !strings.HasPrefix(r, "GET ") && strings.HasSuffix(r, "/namespaces/"+namespace+"/shoots/"+name) {
			out = append(out, r)
		}
	}
	return out
}

// specWithoutVersion is a Shoot's spec without spec.kubernetes.version.
func specWithoutVersion(u *unstructured.Unstructured) map[string]any {
	spec, _, _ := unstructured.NestedMap(u.Object, "spec")
	unstructured.RemoveNestedField(spec, "kubernetes", "version")
	return spec
}
