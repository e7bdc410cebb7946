package clusters

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

// get reads the live object of obj.
func get(ctx context.Context, t *testing.T, c client.Client, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
		t.Fatalf("get %s: %v", objectString(obj), err)
	}
	return live
}

// patchAs merge-patches an object the way a person or another controller
// would, under its own field manager.
func patchAs(ctx context.Context, t *testing.T, c client.Client, manager string, obj *unstructured.Unstructured, patch string) {
	t.Helper()
	if err := c.Patch(ctx, obj.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner(manager)); err != nil {
		t.Fatalf("patch %s as %s: %v", objectString(obj), manager, err)
	}
}

func TestApplyLifecycle(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := projectNamespace()
	suffix := ns[len("garden-"):]
	labs := "labs-" + suffix
	m, counter := newManager(t, e)
	objs := fleetObjects(t, ns, suffix)
	pristine := deepCopies(objs)
	dev := byKind(objs, "Shoot")[0]
	if dev.GetName() != "dev" {
		t.Fatalf("fixture order changed: %s", dev.GetName())
	}

	// The fleet's objects in apply order: stage by stage, ssa's kind order within.
	inOrder := func(actions ...Action) []string {
		ids := []string{
			"Namespace/" + labs,
			"Project/p-" + suffix,
			"ConfigMap/" + labs + "/lab-settings",
			// Kinds ssa does not know sort by group: clabernetes before core.gardener.
			"Topology/" + labs + "/mini-lab",
			"Shoot/" + ns + "/cp-service",
			"Shoot/" + ns + "/dev",
		}
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = id + " " + string(actions[min(i, len(actions)-1)])
		}
		return out
	}

	t.Run("create", func(t *testing.T) {
		cs, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(inOrder(Created), entries(cs)); diff != "" {
			t.Errorf("Apply() (-want +got):\n%s", diff)
		}
		live := get(ctx, t, e.Client, dev)
		// Gardener's ExtensionLabels admission adds one label per extension type.
		wantLabels := map[string]string{
			LabelName: m.owner.Name, LabelNamespace: m.owner.Namespace,
			"networking.extensions.gardener.cloud/calico":            "true",
			"operatingsystemconfig.extensions.gardener.cloud/debian": "true",
			"provider.extensions.gardener.cloud/metal":               "true",
		}
		if diff := cmp.Diff(wantLabels, live.GetLabels()); diff != "" {
			t.Errorf("ownership labels (-want +got):\n%s", diff)
		}
		for _, mf := range live.GetManagedFields() {
			if mf.Operation == "Apply" && mf.Manager != FieldManager {
				t.Errorf("applied by field manager %q, want %q", mf.Manager, FieldManager)
			}
		}
	})

	t.Run("no-op is one list per kind", func(t *testing.T) {
		counter.take()
		cs, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(inOrder(Unchanged), entries(cs)); diff != "" {
			t.Errorf("Apply() (-want +got):\n%s", diff)
		}
		got := counter.take()
		sort.Strings(got)
		want := []string{
			"GET /api/v1/configmaps",
			"GET /api/v1/namespaces",
			"GET /apis/clabernetes.containerlab.dev/v1alpha1/topologies",
			"GET /apis/core.gardener.cloud/v1beta1/projects",
			"GET /apis/core.gardener.cloud/v1beta1/shoots",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("requests of a no-op apply (-want +got):\n%s", diff)
		}
	})

	// A daemon keeps its revision encoded: decoded one at a time, the
	// objects digest as they did whole, so nothing is written.
	t.Run("no-op of the objects encoded", func(t *testing.T) {
		encoded, err := Encode(objs...)
		if err != nil {
			t.Fatal(err)
		}
		counter.take()
		cs, err := m.Apply(ctx, encoded, DefaultApplyOptions())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(inOrder(Unchanged), entries(cs)); diff != "" {
			t.Errorf("Apply() (-want +got):\n%s", diff)
		}
		if got := counter.take(); len(got) != 5 {
			t.Errorf("requests of a no-op apply = %d, want the 5 lists:\n%s", len(got), strings.Join(got, "\n"))
		}
	})

	t.Run("no-op without the fast path asks the server", func(t *testing.T) {
		opts := DefaultApplyOptions()
		opts.FastNoOp = false
		cs, err := m.Apply(ctx, Whole(objs...), opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(inOrder(Unchanged), entries(cs)); diff != "" {
			t.Errorf("Apply() (-want +got):\n%s", diff)
		}
		// Per object: a get, ssa's get and its dry-run patch.
		if got := len(counter.take()); got != 3*len(objs) {
			t.Errorf("requests = %d, want %d", got, 3*len(objs))
		}
	})

	t.Run("drift by hand is corrected", func(t *testing.T) {
		cm := byKind(objs, "ConfigMap")[0]
		patchAs(ctx, t, e.Client, "kubectl-edit", cm, `{"data":{"mtu":"1500"}}`)
		patchAs(ctx, t, e.Client, "kubectl-edit", dev, `{"spec":{"purpose":"testing"}}`)
		cs, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
		if err != nil {
			t.Fatal(err)
		}
		want := inOrder(Unchanged)
		want[2] = "ConfigMap/" + labs + "/lab-settings configured"
		want[5] = "Shoot/" + ns + "/dev configured"
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("Apply() (-want +got):\n%s", diff)
		}
		if got, _, _ := unstructured.NestedString(get(ctx, t, e.Client, cm).Object, "data", "mtu"); got != "9000" {
			t.Errorf("ConfigMap data.mtu = %q, want 9000", got)
		}
		if got, _, _ := unstructured.NestedString(get(ctx, t, e.Client, dev).Object, "spec", "purpose"); got != "development" {
			t.Errorf("Shoot spec.purpose = %q, want development", got)
		}
	})

	t.Run("gardener's fields are not pushed back", func(t *testing.T) {
		g := NewWithT(t)
		// The hibernation controller flips enabled; maintenance raises the patch.
		patchAs(ctx, t, e.Client, "gardener-hibernation", dev, `{"spec":{"hibernation":{"enabled":true}}}`)
		patchAs(ctx, t, e.Client, "test", dev, fmt.Sprintf(`{"metadata":{"annotations":{%q:"maintain"}}}`, simulator.OperationAnnotation))
		g.Eventually(func(g Gomega) {
			v, _, _ := unstructured.NestedString(get(ctx, t, e.Client, dev).Object, "spec", "kubernetes", "version")
			g.Expect(v).To(Equal("1.36.4"))
		}).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())

		cs, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
		if err != nil {
			t.Fatal(err)
		}
		// The digest is of what the fleet asks for, so the raised patch
		// costs no write: unchanged, with a note.
		if diff := cmp.Diff(inOrder(Unchanged), entries(cs)); diff != "" {
			t.Errorf("Apply() (-want +got):\n%s", diff)
		}
		var notes []string
		for _, n := range cs.Entries[5].Notes {
			notes = append(notes, n.String())
		}
		wantNotes := []string{"Shoot/" + ns + "/dev spec.kubernetes.version: kept 1.36.4 over desired 1.36.3: gardener raised the patch version (maintenance, or a partial version completed)"}
		if diff := cmp.Diff(wantNotes, notes); diff != "" {
			t.Errorf("notes (-want +got):\n%s", diff)
		}
		live := get(ctx, t, e.Client, dev)
		if v, _, _ := unstructured.NestedString(live.Object, "spec", "kubernetes", "version"); v != "1.36.4" {
			t.Errorf("live spec.kubernetes.version = %q, want 1.36.4", v)
		}
		if enabled, _, _ := unstructured.NestedBool(live.Object, "spec", "hibernation", "enabled"); !enabled {
			t.Errorf("live spec.hibernation.enabled = false, want true as the hibernation controller set it")
		}

		cs, err = m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(inOrder(Unchanged), entries(cs)); diff != "" {
			t.Errorf("second Apply() (-want +got):\n%s", diff)
		}
	})

	t.Run("immutable field is refused and the shoot kept", func(t *testing.T) {
		uid := get(ctx, t, e.Client, dev).GetUID()
		moved := dev.DeepCopy()
		_ = unstructured.SetNestedField(moved.Object, "elsewhere", "spec", "region")
		changed := append(without(objs, "Shoot", "dev"), moved)

		cs, err := m.Apply(ctx, Whole(changed...), DefaultApplyOptions())
		var immutable *ImmutableFieldError
		if !errors.As(err, &immutable) {
			t.Fatalf("Apply() error = %v, want *ImmutableFieldError", err)
		}
		wantErr := `Shoot/` + ns + `/dev apply: immutable field changed, not recreating the object: Shoot.core.gardener.cloud "dev" is invalid: spec.region: Invalid value: "elsewhere": field is immutable`
		if err.Error() != wantErr {
			t.Errorf("Apply() error\n got %s\nwant %s", err, wantErr)
		}
		// The others in the stage went through: the change set is partial, not empty.
		want := inOrder(Unchanged)
		want = want[:5]
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("Apply() partial change set (-want +got):\n%s", diff)
		}
		live := get(ctx, t, e.Client, dev)
		if live.GetUID() != uid {
			t.Errorf("shoot was recreated: uid %s, was %s", live.GetUID(), uid)
		}
		if r, _, _ := unstructured.NestedString(live.Object, "spec", "region"); r != "local" {
			t.Errorf("live region = %q, want local", r)
		}
	})

	// Apply shares the objects' specs instead of copying them: creating,
	// correcting drift and keeping Gardener's versions above must all have
	// left them alone.
	t.Run("the caller's objects are not modified", func(t *testing.T) {
		if diff := cmp.Diff(pristine, objs); diff != "" {
			t.Errorf("objects after Apply (-before +after):\n%s", diff)
		}
	})

	old := inventory.New(objs)
	remaining := without(without(objs, "Shoot", "cp-service"), "Topology", "mini-lab")

	t.Run("prune refuses to delete a shoot unless allowed", func(t *testing.T) {
		cs, err := m.Prune(ctx, old, inventory.New(remaining), DefaultPruneOptions())
		wantErr := "refusing to prune 1 of 2 shoots (Shoot/" + ns + "/cp-service): the fleet does not allow shoot deletion"
		if err == nil || err.Error() != wantErr {
			t.Fatalf("Prune() error\n got %v\nwant %s", err, wantErr)
		}
		if !errors.Is(err, inventory.ErrDeletionRefused) {
			t.Errorf("Prune() error is not inventory.ErrDeletionRefused")
		}
		if len(cs.Entries) != 0 {
			t.Errorf("Prune() deleted %v", entries(cs))
		}
		get(ctx, t, e.Client, byKind(objs, "Topology")[0]) // still there
	})

	t.Run("prune with shoot deletion allowed", func(t *testing.T) {
		opts := DefaultPruneOptions()
		opts.Guard = inventory.GuardOptions{AllowShootDeletion: true, MaxShootPercent: 50}
		cs, err := m.Prune(ctx, old, inventory.New(remaining), opts)
		if err != nil {
			t.Fatal(err)
		}
		// Reverse apply order.
		want := []string{
			"Shoot/" + ns + "/cp-service deleted",
			"Topology/" + labs + "/mini-lab deleted",
		}
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("Prune() (-want +got):\n%s", diff)
		}
		// The deletion passed Gardener's confirmation rule; the simulator
		// runs the Delete operation and releases its finalizer.
		g := NewWithT(t)
		g.Eventually(func() bool {
			cp := byKind(objs, "Shoot")[1]
			live := &unstructured.Unstructured{}
			live.SetGroupVersionKind(cp.GroupVersionKind())
			return apierrors.IsNotFound(e.Client.Get(ctx, client.ObjectKeyFromObject(cp), live))
		}).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(BeTrue())

		stale := inventory.Diff(old, inventory.New(remaining))
		next := inventory.Merge(inventory.New(remaining), inventory.Diff(stale, cs.Inventory(Deleted)))
		if diff := cmp.Diff(inventory.New(remaining), next); diff != "" {
			t.Errorf("inventory after prune (-want +got):\n%s", diff)
		}
	})
}

// Gardener's admission completes a partial machine image version ("12") to
// the newest matching one on create. The next pass keeps it and writes
// nothing: no dry run, no patch.
func TestApplyAfterGardenerCompletedAVersion(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := e.NewNamespace(t)
	m, counter := newManager(t, e)
	shoot := byKind(fleetObjects(t, ns, ns[len("garden-"):]), "Shoot")[0]
	workers, _, _ := unstructured.NestedSlice(shoot.Object, "spec", "provider", "workers")
	if err := unstructured.SetNestedField(workers[0].(map[string]any), "12", "machine", "image", "version"); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedSlice(shoot.Object, workers, "spec", "provider", "workers"); err != nil {
		t.Fatal(err)
	}
	objs := []*unstructured.Unstructured{shoot}

	cs, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Shoot/" + ns + "/dev created"}, entries(cs)); diff != "" {
		t.Errorf("Apply() (-want +got):\n%s", diff)
	}
	live := get(ctx, t, e.Client, shoot)
	liveWorkers, _, _ := unstructured.NestedSlice(live.Object, "spec", "provider", "workers")
	if v, _, _ := unstructured.NestedString(liveWorkers[0].(map[string]any), "machine", "image", "version"); v != "12.0.20251120" {
		t.Fatalf("live machine image version = %q, want 12.0.20251120 (Gardener completes a partial version)", v)
	}

	counter.take()
	cs, err = m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Shoot/" + ns + "/dev unchanged"}, entries(cs)); diff != "" {
		t.Errorf("second Apply() (-want +got):\n%s", diff)
	}
	var notes []string
	for _, n := range cs.Entries[0].Notes {
		notes = append(notes, n.String())
	}
	wantNotes := []string{"Shoot/" + ns + "/dev spec.provider.workers[name=workers].machine.image.version: kept 12.0.20251120 over desired 12: gardener raised the patch version (maintenance, or a partial version completed)"}
	if diff := cmp.Diff(wantNotes, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"GET /apis/core.gardener.cloud/v1beta1/shoots"}, counter.take()); diff != "" {
		t.Errorf("requests of the second Apply (-want +got):\n%s", diff)
	}
}

func TestApplyPartialFailure(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := projectNamespace()
	suffix := ns[len("garden-"):]
	m, _ := newManager(t, e)
	objs := fleetObjects(t, ns, suffix)

	t.Run("a failed stage stops the later ones", func(t *testing.T) {
		bad := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "Not_A_DNS_Label"},
		}}
		cs, err := m.Apply(ctx, Whole(append(objs, bad)...), DefaultApplyOptions())
		wantErr := `Namespace/Not_A_DNS_Label apply: Namespace "Not_A_DNS_Label" is invalid: metadata.name: Invalid value: "Not_A_DNS_Label": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
		if err == nil || err.Error() != wantErr {
			t.Fatalf("Apply() error\n got %v\nwant %s", err, wantErr)
		}
		var oe *ObjectError
		if !errors.As(err, &oe) || !apierrors.IsInvalid(oe) {
			t.Errorf("Apply() error is not an *ObjectError wrapping Invalid: %#v", err)
		}
		if diff := cmp.Diff([]string{"Namespace/labs-" + suffix + " created"}, entries(cs)); diff != "" {
			t.Errorf("Apply() (-want +got):\n%s", diff)
		}
		p := byKind(objs, "Project")[0]
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(p.GroupVersionKind())
		if err := e.Client.Get(ctx, client.ObjectKeyFromObject(p), live); !apierrors.IsNotFound(err) {
			t.Errorf("project of a later stage: get = %v, want not found", err)
		}
	})

	t.Run("one bad object does not stop its stage", func(t *testing.T) {
		bad := byKind(objs, "Shoot")[0].DeepCopy()
		bad.SetName("bad")
		_ = unstructured.SetNestedField(bad.Object, "banana", "spec", "kubernetes", "version")
		cs, err := m.Apply(ctx, Whole(append(objs, bad)...), DefaultApplyOptions())
		wantErr := `Shoot/` + ns + `/bad apply: shoots.core.gardener.cloud "bad" is forbidden: spec.kubernetes.version: Invalid value: "banana": must be a semantic version`
		if err == nil || err.Error() != wantErr {
			t.Fatalf("Apply() error\n got %v\nwant %s", err, wantErr)
		}
		want := []string{
			"Namespace/labs-" + suffix + " unchanged",
			"Project/p-" + suffix + " created",
			"ConfigMap/labs-" + suffix + "/lab-settings created",
			"Topology/labs-" + suffix + "/mini-lab created",
			"Shoot/" + ns + "/cp-service created",
			"Shoot/" + ns + "/dev created",
		}
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("Apply() (-want +got):\n%s", diff)
		}
	})
}

func TestApplyColdAndAdoption(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := e.NewNamespace(t)
	m, counter := newManager(t, e)

	var objs []*unstructured.Unstructured
	for i := range 25 {
		objs = append(objs, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("cm-%02d", i), "namespace": ns},
			"data":     map[string]any{"n": fmt.Sprint(i)},
		}})
	}
	// One of them exists already, made by someone else: it is adopted.
	existing := objs[7].DeepCopy()
	existing.Object["data"] = map[string]any{"n": "by hand"}
	if err := e.Client.Create(ctx, existing); err != nil {
		t.Fatal(err)
	}

	pristine := deepCopies(objs)
	counter.take()
	cs, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pristine, objs); diff != "" {
		t.Errorf("objects after Apply (-before +after):\n%s", diff)
	}
	var want []string
	for i := range 25 {
		action := "created"
		if i == 7 {
			action = "configured"
		}
		want = append(want, fmt.Sprintf("ConfigMap/%s/cm-%02d %s", ns, i, action))
	}
	if diff := cmp.Diff(want, entries(cs)); diff != "" {
		t.Errorf("Apply() (-want +got):\n%s", diff)
	}
	// Two lists (the fleet's objects, then which exist at all), one apply per
	// new object, and get + ssa's get, dry run and apply for the adopted one.
	if got, want := counter.take(), 2+24+4; len(got) != want {
		t.Errorf("requests = %d, want %d:\n%s", len(got), want, strings.Join(got, "\n"))
	}
	if n, _, _ := unstructured.NestedString(get(ctx, t, e.Client, objs[7]).Object, "data", "n"); n != "7" {
		t.Errorf("adopted data.n = %q, want 7", n)
	}
}

// Apply writes neither its labels and digest nor the server's answer to a
// create or a patch (managedFields and all) into the caller's objects, which
// a daemon keeps for the revision in force.
func TestApplyLeavesTheCallersObjects(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := e.NewNamespace(t)
	m, _ := newManager(t, e)
	cm := func(n string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "cm", "namespace": ns},
			"data":     map[string]any{"n": n},
		}}
	}
	opts := DefaultApplyOptions().withDefaults()
	for _, step := range []struct {
		name string
		obj  *unstructured.Unstructured
		want Action
	}{{"create", cm("1"), Created}, {"patch", cm("2"), Configured}} {
		before := step.obj.DeepCopy()
		entries, err := m.applyStage(ctx, Whole(step.obj), opts)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if len(entries) != 1 || entries[0].Action != step.want {
			t.Fatalf("%s: entries %v, want one %s", step.name, entries, step.want)
		}
		if diff := cmp.Diff(before.Object, step.obj.Object); diff != "" {
			t.Errorf("%s: the caller's object changed (-before +after):\n%s", step.name, diff)
		}
	}
}
