package simulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/gardenfleet/gardenfleet/hack/testenv"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

// stepTo moves the fake clock forward to t.
func stepTo(t *testing.T, to time.Time) {
	t.Helper()
	if d := to.Sub(clock.Now()); d > 0 {
		clock.Step(d)
	}
}

// TestHibernationSchedule: like Gardener's hibernation controller, the simulator flips
// spec.hibernation.enabled when a schedule fires, in the schedule's time zone.
func TestHibernationSchedule(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := clock.Now().In(berlin)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, berlin).AddDate(0, 0, 1)
	stepTo(t, day.Add(18*time.Hour+30*time.Minute))

	ns := env.NewNamespace(t)
	u := newShoot(ns, "sched")
	if err := unstructured.SetNestedSlice(u.Object, []any{map[string]any{
		"start": "00 19 * * *", "end": "00 07 * * *", "location": "Europe/Berlin",
	}}, "spec", "hibernation", "schedules"); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(u)
	// Processing means the simulator has looked at the schedules once.
	eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", ObservedGeneration: 1})

	enabled := func(g Gomega) bool {
		v, _, _ := unstructured.NestedBool(get(g, key).Object, "spec", "hibernation", "enabled")
		return v
	}
	t.Run("before the start nothing changes", func(t *testing.T) {
		stepTo(t, day.Add(18*time.Hour+59*time.Minute))
		Consistently(enabled).WithTimeout(200 * time.Millisecond).Should(BeFalse())
	})
	t.Run("start at 19:00 Berlin hibernates", func(t *testing.T) {
		stepTo(t, day.Add(19*time.Hour+time.Minute))
		Eventually(enabled).WithTimeout(wait).Should(BeTrue())
		// The operation must have started before the clock moves on.
		eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Processing", ObservedGeneration: 2})
		clock.Step(delay)
		eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Succeeded", Progress: 100, ObservedGeneration: 2, Hibernated: true})
	})
	t.Run("end at 07:00 Berlin wakes up", func(t *testing.T) {
		stepTo(t, day.AddDate(0, 0, 1).Add(7*time.Hour+time.Minute))
		Eventually(enabled).WithTimeout(wait).Should(BeFalse())
		eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Processing", ObservedGeneration: 3, Hibernated: true})
		clock.Step(delay)
		eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Succeeded", Progress: 100, ObservedGeneration: 3})
	})
}

func versions(g Gomega, key types.NamespacedName) []string {
	u := get(g, key)
	cp, _, _ := unstructured.NestedString(u.Object, "spec", "kubernetes", "version")
	out := []string{cp}
	workers, _, _ := unstructured.NestedSlice(u.Object, "spec", "provider", "workers")
	for _, w := range workers {
		v, _, _ := unstructured.NestedString(w.(map[string]any), "kubernetes", "version")
		out = append(out, v)
	}
	return out
}

// TestMaintenance: like Gardener's maintenance controller, patch versions move to the
// newest non-preview, non-expired patch of their minor, only with autoUpdate on.
func TestMaintenance(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ns := env.NewNamespace(t)
	create := func(name string, autoUpdate bool, window bool) types.NamespacedName {
		u := newShoot(ns, name)
		machine := map[string]any{"type": "local", "image": map[string]any{"name": "local", "version": "1.0.0"}}
		if err := unstructured.SetNestedField(u.Object, "1.35.4", "spec", "kubernetes", "version"); err != nil {
			t.Fatal(err)
		}
		if err := unstructured.SetNestedSlice(u.Object, []any{
			map[string]any{"name": "pinned", "minimum": int64(1), "maximum": int64(1), "machine": machine, "kubernetes": map[string]any{"version": "1.34.7"}},
			map[string]any{"name": "inherits", "minimum": int64(1), "maximum": int64(1), "machine": machine},
		}, "spec", "provider", "workers"); err != nil {
			t.Fatal(err)
		}
		m := map[string]any{"autoUpdate": map[string]any{"kubernetesVersion": autoUpdate}}
		if window {
			// Two hours ahead of the fake clock, in UTC.
			begin := clock.Now().UTC().Add(2 * time.Hour)
			m["timeWindow"] = map[string]any{"begin": begin.Format("150405") + "+0000", "end": begin.Add(time.Hour).Format("150405") + "+0000"}
		}
		if err := unstructured.SetNestedMap(u.Object, m, "spec", "maintenance"); err != nil {
			t.Fatal(err)
		}
		if err := env.Client.Create(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		return client.ObjectKeyFromObject(u)
	}

	t.Run("maintain annotation with autoUpdate", func(t *testing.T) {
		key := create("auto", true, false)
		mergePatch(t, get(Default, key), `{"metadata":{"annotations":{"gardener.cloud/operation":"maintain"}}}`)
		// 1.35.4 -> 1.35.6; the pinned pool 1.34.7 -> 1.34.8; the other inherits.
		Eventually(versions).WithArguments(key).WithTimeout(wait).Should(Equal([]string{"1.35.6", "1.34.8", ""}))
		Eventually(func(g Gomega) map[string]string { return get(g, key).GetAnnotations() }).
			WithTimeout(wait).ShouldNot(HaveKey("gardener.cloud/operation"))
	})
	t.Run("maintain annotation without autoUpdate", func(t *testing.T) {
		key := create("manual", false, false)
		mergePatch(t, get(Default, key), `{"metadata":{"annotations":{"gardener.cloud/operation":"maintain"}}}`)
		Eventually(func(g Gomega) map[string]string { return get(g, key).GetAnnotations() }).
			WithTimeout(wait).ShouldNot(HaveKey("gardener.cloud/operation"))
		if diff := cmp.Diff([]string{"1.35.4", "1.34.7", ""}, versions(Default, key)); diff != "" {
			t.Errorf("versions (-want +got):\n%s", diff)
		}
	})
	t.Run("time window", func(t *testing.T) {
		env.Simulator.SetBehaviour(simulator.Behaviour{MaintenanceWindows: true})
		t.Cleanup(env.Simulator.ClearBehaviour)
		key := create("window", true, true)
		eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", ObservedGeneration: 1})
		Consistently(versions).WithArguments(key).WithTimeout(200 * time.Millisecond).Should(Equal([]string{"1.35.4", "1.34.7", ""}))
		clock.Step(2*time.Hour + time.Minute)
		Eventually(versions).WithArguments(key).WithTimeout(wait).Should(Equal([]string{"1.35.6", "1.34.8", ""}))
	})
}

// TestConfinedSpecUpdateRollout: with spec.maintenance.confineSpecUpdateRollout, Gardener's
// API server keeps the generation on a spec change, so nothing happens until maintenance
// in the shoot's time window asks for a reconcile, which rolls the change out.
func TestConfinedSpecUpdateRollout(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	env.Simulator.SetBehaviour(simulator.Behaviour{MaintenanceWindows: true})
	t.Cleanup(env.Simulator.ClearBehaviour)
	ns := env.NewNamespace(t)
	u := newShoot(ns, "confined")
	begin := clock.Now().UTC().Add(2 * time.Hour)
	if err := unstructured.SetNestedMap(u.Object, map[string]any{
		"confineSpecUpdateRollout": true,
		"autoUpdate":               map[string]any{"kubernetesVersion": false},
		"timeWindow":               map[string]any{"begin": begin.Format("150405") + "+0000", "end": begin.Add(time.Hour).Format("150405") + "+0000"},
	}, "spec", "maintenance"); err != nil {
		t.Fatal(err)
	}
	key := createSucceeded(t, u)

	mergePatch(t, get(Default, key), `{"spec":{"kubernetes":{"version":"1.34.8"}}}`)
	if gen := get(Default, key).GetGeneration(); gen != 1 {
		t.Fatalf("generation after a confined spec change = %d, want 1", gen)
	}
	clock.Step(time.Hour)
	Consistently(func(g Gomega) lastOp { return opOf(get(g, key)) }).WithTimeout(300 * time.Millisecond).
		Should(Equal(lastOp{Type: "Create", State: "Succeeded", Progress: 100, ObservedGeneration: 1}))

	stepTo(t, begin.Add(time.Minute))
	eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Processing", ObservedGeneration: 2})
	clock.Step(delay)
	eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Succeeded", Progress: 100, ObservedGeneration: 2})
}

// TestProject: like Gardener's project controller, a Project gets its namespace.
func TestProject(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ctx := context.Background()
	p := &unstructured.Unstructured{}
	p.SetGroupVersionKind(simulator.ProjectGVK)
	// Cluster-scoped: a random name keeps -count=N runs apart.
	name := "dev" + utilrand.String(5)
	p.SetName(name)
	if err := env.Client.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{}
	Eventually(func() error { return env.Client.Get(ctx, types.NamespacedName{Name: "garden-" + name}, ns) }).WithTimeout(wait).Should(Succeed())
	want := map[string]string{"project.gardener.cloud/name": name, "gardener.cloud/role": "project"}
	got := map[string]string{"project.gardener.cloud/name": ns.Labels["project.gardener.cloud/name"], "gardener.cloud/role": ns.Labels["gardener.cloud/role"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("namespace labels (-want +got):\n%s", diff)
	}
	Eventually(func(g Gomega) []string {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
		namespace, _, _ := unstructured.NestedString(p.Object, "spec", "namespace")
		phase, _, _ := unstructured.NestedString(p.Object, "status", "phase")
		return []string{namespace, phase}
	}).WithTimeout(wait).Should(Equal([]string{"garden-" + name, "Ready"}))
}

// TestTopology: like clabernetes, a Topology ends up running and ready.
func TestTopology(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ctx := context.Background()
	ns := env.NewNamespace(t)
	topo := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"definition": map[string]any{"containerlab": "name: lab\ntopology:\n  nodes: {}\n"}},
	}}
	topo.SetGroupVersionKind(simulator.TopologyGVK)
	topo.SetNamespace(ns)
	topo.SetName("lab")
	if err := env.Client.Create(ctx, topo); err != nil {
		t.Fatal(err)
	}
	Eventually(func(g Gomega) []any {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(topo), topo)).To(Succeed())
		state, _, _ := unstructured.NestedString(topo.Object, "status", "topologyState")
		ready, _, _ := unstructured.NestedBool(topo.Object, "status", "topologyReady")
		return []any{state, ready}
	}).WithTimeout(wait).Should(Equal([]any{"running", true}))
}
