package simulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/gardenfleet/gardenfleet/hack/testenv"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/gardener/shoot/shoottest"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

// wait is how long the simulator may take to act on a change (real time).
const wait = 10 * time.Second

// lastOp is what tests compare of a shoot's state.
type lastOp struct {
	Type, State        string
	Progress           int64
	ObservedGeneration int64
	Hibernated         bool
}

// newShoot is a Shoot on the landscape's local CloudProfile with one pool.
func newShoot(ns, name string) *unstructured.Unstructured {
	return shoottest.New(ns, name).Profile("local").Set("local", "spec", "region").
		Set("creds", "spec", "credentialsBindingName").Version("1.34.7").Provider("local").
		Pool(shoottest.Pool{Name: "pool-a", Machine: "local", ImageName: "local", Image: "1.0.0", Minimum: 1, Maximum: 2}).
		Set(map[string]any{"type": "calico", "pods": "10.240.0.0/13", "services": "10.248.0.0/18"}, "spec", "networking").
		Unstructured()
}

func get(g Gomega, key types.NamespacedName) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(simulator.ShootGVK)
	g.Expect(env.Client.Get(context.Background(), key, u)).To(Succeed())
	return u
}

func opOf(u *unstructured.Unstructured) lastOp {
	var o lastOp
	o.Type, _, _ = unstructured.NestedString(u.Object, "status", "lastOperation", "type")
	o.State, _, _ = unstructured.NestedString(u.Object, "status", "lastOperation", "state")
	o.Progress, _, _ = unstructured.NestedInt64(u.Object, "status", "lastOperation", "progress")
	o.ObservedGeneration, _, _ = unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	o.Hibernated, _, _ = unstructured.NestedBool(u.Object, "status", "hibernated")
	return o
}

// eventuallyOp waits until the shoot's operation state is want.
func eventuallyOp(t *testing.T, key types.NamespacedName, want lastOp) *unstructured.Unstructured {
	t.Helper()
	var u *unstructured.Unstructured
	Eventually(func(g Gomega) {
		u = get(g, key)
		g.Expect(opOf(u)).To(Equal(want))
	}).WithTimeout(wait).WithPolling(10 * time.Millisecond).Should(Succeed())
	return u
}

func conditions(u *unstructured.Unstructured) map[string]string {
	list, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	out := map[string]string{}
	for _, c := range list {
		m := c.(map[string]any)
		out[m["type"].(string)] = m["status"].(string) + "/" + m["reason"].(string)
	}
	return out
}

func mergePatch(t *testing.T, u *unstructured.Unstructured, patch string) {
	t.Helper()
	if err := env.Client.Patch(context.Background(), u, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatalf("patch %s: %v", patch, err)
	}
}

// TestShootOperation follows a shoot through create, a spec change and hibernation: each
// operation observes the generation as it starts Processing, is 50% halfway, then
// Succeeded.
func TestShootOperation(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ns := env.NewNamespace(t)
	u := newShoot(ns, "op")
	if err := env.Client.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(u)

	t.Run("create starts Processing and adds the finalizer", func(t *testing.T) {
		u := eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", ObservedGeneration: 1})
		if diff := cmp.Diff([]string{"gardener"}, u.GetFinalizers()); diff != "" {
			t.Errorf("finalizers (-want +got):\n%s", diff)
		}
	})
	t.Run("halfway reports progress", func(t *testing.T) {
		clock.Step(delay / 2)
		eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", Progress: 50, ObservedGeneration: 1})
	})
	t.Run("after the delay it succeeded", func(t *testing.T) {
		clock.Step(delay / 2)
		u := eventuallyOp(t, key, lastOp{Type: "Create", State: "Succeeded", Progress: 100, ObservedGeneration: 1})
		want := map[string]string{
			"APIServerAvailable":      "True/HealthzRequestSucceeded",
			"ControlPlaneHealthy":     "True/ControlPlaneRunning",
			"EveryNodeReady":          "True/EveryNodeReady",
			"SystemComponentsHealthy": "True/SystemComponentsRunning",
		}
		if diff := cmp.Diff(want, conditions(u)); diff != "" {
			t.Errorf("conditions (-want +got):\n%s", diff)
		}
	})
	t.Run("no spec change, no operation", func(t *testing.T) {
		clock.Step(delay)
		// A status write would bump the resourceVersion; give the simulator time to (not) act.
		before := get(Default, key).GetResourceVersion()
		Consistently(func(g Gomega) string { return get(g, key).GetResourceVersion() }).
			WithTimeout(300 * time.Millisecond).WithPolling(20 * time.Millisecond).Should(Equal(before))
	})
	t.Run("hibernating is a reconcile that ends hibernated", func(t *testing.T) {
		mergePatch(t, get(Default, key), `{"spec":{"hibernation":{"enabled":true}}}`)
		eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Processing", ObservedGeneration: 2})
		clock.Step(delay)
		u := eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Succeeded", Progress: 100, ObservedGeneration: 2, Hibernated: true})
		if got := conditions(u)["EveryNodeReady"]; got != "True/ShootHibernated" {
			t.Errorf("EveryNodeReady = %s, want True/ShootHibernated", got)
		}
	})
	t.Run("gardener.cloud/operation=reconcile starts an operation without a spec change", func(t *testing.T) {
		mergePatch(t, get(Default, key), `{"metadata":{"annotations":{"gardener.cloud/operation":"reconcile"}}}`)
		// Gardener's API server counts the annotation as a new generation.
		u := eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Processing", ObservedGeneration: 3, Hibernated: true})
		if _, ok := u.GetAnnotations()["gardener.cloud/operation"]; ok {
			t.Errorf("annotation gardener.cloud/operation still set")
		}
		clock.Step(delay)
		eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Succeeded", Progress: 100, ObservedGeneration: 3, Hibernated: true})
	})
}

// TestShootFailNextOperation: the annotation fails one operation (state Error), then the
// next succeeds; after a failed Create, Gardener's next operation is a Create again.
func TestShootFailNextOperation(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ns := env.NewNamespace(t)
	u := newShoot(ns, "fail")
	u.SetAnnotations(map[string]string{simulator.FailNextOperationAnnotation: "true"})
	if err := env.Client.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(u)

	eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", ObservedGeneration: 1})
	clock.Step(delay)
	u = eventuallyOp(t, key, lastOp{Type: "Create", State: "Error", Progress: 50, ObservedGeneration: 1})
	Eventually(func(g Gomega) map[string]string { return get(g, key).GetAnnotations() }).
		WithTimeout(wait).Should(Not(HaveKey(simulator.FailNextOperationAnnotation)))
	if got := conditions(u); len(got) != 0 {
		t.Errorf("a failed create reports conditions %v, want none", got)
	}

	mergePatch(t, get(Default, key), `{"spec":{"kubernetes":{"version":"1.34.8"}}}`)
	eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", Progress: 0, ObservedGeneration: 2})
	clock.Step(delay)
	eventuallyOp(t, key, lastOp{Type: "Create", State: "Succeeded", Progress: 100, ObservedGeneration: 2})
}

// TestShootWorkerlessConditions: a workerless shoot reports only control plane conditions.
func TestShootWorkerlessConditions(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ns := env.NewNamespace(t)
	u := newShoot(ns, "wl")
	unstructured.RemoveNestedField(u.Object, "spec", "provider", "workers")
	unstructured.RemoveNestedField(u.Object, "spec", "networking")
	unstructured.RemoveNestedField(u.Object, "spec", "credentialsBindingName")
	if err := env.Client.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(u)
	eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", ObservedGeneration: 1})
	clock.Step(delay)
	u = eventuallyOp(t, key, lastOp{Type: "Create", State: "Succeeded", Progress: 100, ObservedGeneration: 1})
	want := map[string]string{"APIServerAvailable": "True/HealthzRequestSucceeded", "ControlPlaneHealthy": "True/ControlPlaneRunning"}
	if diff := cmp.Diff(want, conditions(u)); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
}

// TestShootDeletion: a confirmed deletion runs a Delete operation, then the shoot is gone.
func TestShootDeletion(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ns := env.NewNamespace(t)
	u := newShoot(ns, "del")
	u.SetAnnotations(map[string]string{"confirmation.gardener.cloud/deletion": "true"})
	if err := env.Client.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(u)
	eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", ObservedGeneration: 1})
	if err := env.Client.Delete(context.Background(), get(Default, key)); err != nil {
		t.Fatal(err)
	}
	eventuallyOp(t, key, lastOp{Type: "Delete", State: "Processing", ObservedGeneration: 1})
	clock.Step(delay)
	Eventually(func() bool {
		err := env.Client.Get(context.Background(), key, &unstructured.Unstructured{Object: map[string]any{"apiVersion": "core.gardener.cloud/v1beta1", "kind": "Shoot"}})
		return apierrors.IsNotFound(err)
	}).WithTimeout(wait).Should(BeTrue())
}

// TestHoldOperations: with HoldStarts no operation starts (the previous Succeeded stays,
// the generation unobserved); with HoldOperations an operation that started (generation
// observed) stays Processing however long it takes; released, it succeeds, stamped after
// its start.
func TestHoldOperations(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ns := env.NewNamespace(t)
	u := newShoot(ns, "hold")
	key := createSucceeded(t, u)

	env.Simulator.SetBehaviour(simulator.Behaviour{HoldStarts: true})
	t.Cleanup(env.Simulator.ClearBehaviour)
	mergePatch(t, get(Default, key), `{"spec":{"kubernetes":{"version":"1.34.8"}}}`)
	clock.Step(2 * delay)
	Consistently(func(g Gomega) lastOp { return opOf(get(g, key)) }).WithTimeout(300 * time.Millisecond).WithPolling(20 * time.Millisecond).
		Should(Equal(lastOp{Type: "Create", State: "Succeeded", Progress: 100, ObservedGeneration: 1}))

	env.Simulator.SetBehaviour(simulator.Behaviour{HoldOperations: true})
	held := lastOp{Type: "Reconcile", State: "Processing", ObservedGeneration: 2}
	started := eventuallyOp(t, key, held)
	clock.Step(2 * delay)
	Consistently(func(g Gomega) lastOp { return opOf(get(g, key)) }).
		WithTimeout(300 * time.Millisecond).WithPolling(20 * time.Millisecond).Should(Equal(held))

	env.Simulator.ClearBehaviour()
	done := eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Succeeded", Progress: 100, ObservedGeneration: 2})
	if s, e := updateTime(t, started), updateTime(t, done); !e.After(s) {
		t.Errorf("Succeeded stamped %s, not after the start %s", e, s)
	}
}

func updateTime(t *testing.T, u *unstructured.Unstructured) time.Time {
	t.Helper()
	v, _, _ := unstructured.NestedString(u.Object, "status", "lastOperation", "lastUpdateTime")
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func pendingInPlace(g Gomega, key types.NamespacedName) map[string]any {
	m, _, _ := unstructured.NestedMap(get(g, key).Object, "status", "inPlaceUpdates", "pendingWorkerUpdates")
	return m
}

// TestInPlaceUpdates: a pool updating in place whose version changes is pending from the
// operation's start until after it succeeded (held with HoldInPlaceUpdates, else Delay).
func TestInPlaceUpdates(t *testing.T) {
	testenv.Require(t, env)
	RegisterTestingT(t)
	ns := env.NewNamespace(t)
	u := newShoot(ns, "inplace")
	workers, _, _ := unstructured.NestedSlice(u.Object, "spec", "provider", "workers")
	workers[0].(map[string]any)["updateStrategy"] = "AutoInPlaceUpdate"
	if err := unstructured.SetNestedSlice(u.Object, workers, "spec", "provider", "workers"); err != nil {
		t.Fatal(err)
	}
	key := createSucceeded(t, u)
	if got := pendingInPlace(Default, key); got != nil {
		t.Fatalf("a created shoot has pending in-place updates %v", got)
	}

	env.Simulator.SetBehaviour(simulator.Behaviour{HoldInPlaceUpdates: true})
	t.Cleanup(env.Simulator.ClearBehaviour)
	mergePatch(t, get(Default, key), `{"spec":{"kubernetes":{"version":"1.34.8"}}}`)
	eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Processing", ObservedGeneration: 2})
	want := map[string]any{"autoInPlaceUpdate": []any{"pool-a"}}
	if diff := cmp.Diff(want, pendingInPlace(Default, key)); diff != "" {
		t.Errorf("pending when the operation starts (-want +got):\n%s", diff)
	}
	clock.Step(delay)
	eventuallyOp(t, key, lastOp{Type: "Reconcile", State: "Succeeded", Progress: 100, ObservedGeneration: 2})
	clock.Step(2 * delay)
	Consistently(pendingInPlace).WithArguments(key).WithTimeout(300 * time.Millisecond).Should(Equal(want))

	env.Simulator.ClearBehaviour()
	clock.Step(delay)
	Eventually(pendingInPlace).WithArguments(key).WithTimeout(wait).Should(BeNil())
}

// createSucceeded creates the shoot and waits until its Create succeeded.
func createSucceeded(t *testing.T, u *unstructured.Unstructured) types.NamespacedName {
	t.Helper()
	if err := env.Client.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(u)
	eventuallyOp(t, key, lastOp{Type: "Create", State: "Processing", ObservedGeneration: 1})
	clock.Step(delay)
	eventuallyOp(t, key, lastOp{Type: "Create", State: "Succeeded", Progress: 100, ObservedGeneration: 1})
	return key
}
