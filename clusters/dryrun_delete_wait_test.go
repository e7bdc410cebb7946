package clusters

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

func TestDryRun(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := projectNamespace()
	suffix := ns[len("garden-"):]
	labs := "labs-" + suffix
	m, _ := newManager(t, e)
	objs := fleetObjects(t, ns, suffix)
	pristine := deepCopies(objs)
	dev := byKind(objs, "Shoot")[0]

	t.Run("before anything exists", func(t *testing.T) {
		cs, err := m.DryRun(ctx, Whole(objs...), DefaultDryRunOptions())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"Namespace/" + labs + " created",
			"Project/p-" + suffix + " created",
			"ConfigMap/" + labs + "/lab-settings created: not validated: namespace " + labs + " is created by this apply",
			"Topology/" + labs + "/mini-lab created: not validated: namespace " + labs + " is created by this apply",
			// The Project makes its namespace once applied.
			"Shoot/" + ns + "/cp-service created: not validated: namespace " + ns + " is created by this apply",
			"Shoot/" + ns + "/dev created: not validated: namespace " + ns + " is created by this apply",
		}
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("DryRun() (-want +got):\n%s", diff)
		}
	})

	if _, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions()); err != nil {
		t.Fatal(err)
	}

	t.Run("in sync", func(t *testing.T) {
		cs, err := m.DryRun(ctx, Whole(objs...), DefaultDryRunOptions())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range cs.Entries {
			if e.Action != Unchanged {
				t.Errorf("DryRun() %s, want unchanged", e)
			}
		}
		if len(cs.Entries) != len(objs) {
			t.Errorf("DryRun() has %d entries, want %d", len(cs.Entries), len(objs))
		}
	})

	t.Run("drift is reported, not corrected", func(t *testing.T) {
		patchAs(ctx, t, e.Client, "kubectl-edit", dev, `{"spec":{"purpose":"testing"}}`)
		cs, err := m.DryRun(ctx, Whole(byKind(objs, "Shoot")...), DefaultDryRunOptions())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Shoot/" + ns + "/cp-service unchanged", "Shoot/" + ns + "/dev configured"}
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("DryRun() (-want +got):\n%s", diff)
		}
		if got, _, _ := unstructured.NestedString(get(ctx, t, e.Client, dev).Object, "spec", "purpose"); got != "testing" {
			t.Errorf("DryRun() corrected the drift: spec.purpose = %q", got)
		}
	})

	t.Run("the caller's objects are not modified", func(t *testing.T) {
		if diff := cmp.Diff(pristine, objs); diff != "" {
			t.Errorf("objects after DryRun (-before +after):\n%s", diff)
		}
	})

	t.Run("immutable change", func(t *testing.T) {
		moved := dev.DeepCopy()
		_ = unstructured.SetNestedField(moved.Object, "elsewhere", "spec", "region")
		_, err := m.DryRun(ctx, Whole(moved), DefaultDryRunOptions())
		var immutable *ImmutableFieldError
		if !errors.As(err, &immutable) {
			t.Fatalf("DryRun() error = %v, want *ImmutableFieldError", err)
		}
		if immutable.Ref.String() != "Shoot/"+ns+"/dev" {
			t.Errorf("ImmutableFieldError.Ref = %s", immutable.Ref)
		}
	})
}

func TestDelete(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := projectNamespace()
	suffix := ns[len("garden-"):]
	labs := "labs-" + suffix
	m, _ := newManager(t, e)
	objs := fleetObjects(t, ns, suffix)
	if _, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions()); err != nil {
		t.Fatal(err)
	}
	other, _ := newManager(t, e)

	t.Run("only this fleet's objects, no shoots by default", func(t *testing.T) {
		// Another fleet's manager owns none of them.
		cs, err := other.Delete(ctx, byKind(objs, "ConfigMap"), DefaultDeleteOptions())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{fmt.Sprintf("ConfigMap/%s/lab-settings skipped: not labelled as owned by fleet %s/%s", labs, other.owner.Namespace, other.owner.Name)}
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("Delete() (-want +got):\n%s", diff)
		}

		cs, err = m.Delete(ctx, byKind(objs, "Shoot", "ConfigMap"), DefaultDeleteOptions())
		if err != nil {
			t.Fatal(err)
		}
		want = []string{
			"Shoot/" + ns + "/dev skipped: shoot deletion is not allowed by the fleet",
			"Shoot/" + ns + "/cp-service skipped: shoot deletion is not allowed by the fleet",
			"ConfigMap/" + labs + "/lab-settings deleted",
		}
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("Delete() (-want +got):\n%s", diff)
		}
		live := get(ctx, t, e.Client, byKind(objs, "Shoot")[0])
		if _, ok := live.GetAnnotations()[DeletionConfirmationAnnotation]; ok {
			t.Errorf("refused shoot got the deletion confirmation annotation")
		}
	})

	t.Run("gone objects count as deleted", func(t *testing.T) {
		cs, err := m.Delete(ctx, byKind(objs, "ConfigMap"), DefaultDeleteOptions())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"ConfigMap/" + labs + "/lab-settings deleted: already gone"}, entries(cs)); diff != "" {
			t.Errorf("Delete() (-want +got):\n%s", diff)
		}
	})

	t.Run("allowed shoot deletion confirms first", func(t *testing.T) {
		dev := byKind(objs, "Shoot")[0]
		cs, err := m.Delete(ctx, []*unstructured.Unstructured{dev}, DeleteOptions{AllowShootDeletion: true})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Shoot/" + ns + "/dev deleted"}, entries(cs)); diff != "" {
			t.Errorf("Delete() (-want +got):\n%s", diff)
		}
		// Gardener's finalizer (the simulator's) may still hold it; if so it
		// must carry the confirmation.
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(dev.GroupVersionKind())
		if err := e.Client.Get(ctx, clientKey(dev), live); err == nil {
			if got := live.GetAnnotations()[DeletionConfirmationAnnotation]; got != "true" {
				t.Errorf("deleted shoot confirmation annotation = %q, want true", got)
			}
		}
	})
}

func TestWait(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := projectNamespace()
	suffix := ns[len("garden-"):]
	m, _ := newManager(t, e)
	objs := fleetObjects(t, ns, suffix)
	if _, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions()); err != nil {
		t.Fatal(err)
	}
	opts := WaitOptions{Interval: 200 * time.Millisecond, Timeout: time.Minute, FailFast: true}

	t.Run("all ready", func(t *testing.T) {
		res, err := m.Wait(ctx, objs, opts)
		if err != nil {
			t.Fatal(err)
		}
		var ready []string
		for _, r := range res.Ready {
			ready = append(ready, r.String())
		}
		want := []string{
			"ConfigMap/labs-" + suffix + "/lab-settings Ready: Resource is always ready",
			"Namespace/labs-" + suffix + " Ready: Resource is current",
			"Project/p-" + suffix + " Ready: Resource is current",
			"Shoot/" + ns + "/cp-service Ready: last operation Create Succeeded",
			"Shoot/" + ns + "/dev Ready: last operation Create Succeeded",
			"Topology/labs-" + suffix + "/mini-lab Ready: topology ready",
		}
		if diff := cmp.Diff(want, ready); diff != "" {
			t.Errorf("Wait() ready (-want +got):\n%s", diff)
		}
		if len(res.Failed)+len(res.Pending) != 0 {
			t.Errorf("Wait() failed %v, pending %v", res.Failed, res.Pending)
		}
	})

	t.Run("a failed operation fails fast with its description", func(t *testing.T) {
		dev := byKind(objs, "Shoot")[0]
		// A spec change (new generation) whose operation will fail: Wait
		// must not take the previous operation's success for this one.
		patchAs(ctx, t, e.Client, "test", dev, fmt.Sprintf(`{"metadata":{"annotations":{%q:"true"}},"spec":{"purpose":"testing"}}`,
			simulator.FailNextOperationAnnotation))
		res, err := m.Wait(ctx, []*unstructured.Unstructured{dev}, opts)
		wantErr := "Shoot/" + ns + "/dev wait: failed: last operation Reconcile Error: Reconcile of Shoot cluster failed: simulated failure (" + simulator.FailNextOperationAnnotation + ")."
		if err == nil || err.Error() != wantErr {
			t.Fatalf("Wait() error\n got %v\nwant %s", err, wantErr)
		}
		if len(res.Failed) != 1 || res.Failed[0].Health.State != Failed {
			t.Errorf("Wait() failed = %v", res.Failed)
		}
	})

	t.Run("timeout leaves objects pending", func(t *testing.T) {
		missing := byKind(objs, "ConfigMap")[0].DeepCopy()
		missing.SetName("missing")
		res, err := m.Wait(ctx, []*unstructured.Unstructured{missing}, WaitOptions{Interval: 100 * time.Millisecond, Timeout: 300 * time.Millisecond})
		wantErr := "ConfigMap/labs-" + suffix + "/missing wait: not ready within 300ms: not found"
		if err == nil || err.Error() != wantErr {
			t.Fatalf("Wait() error\n got %v\nwant %s", err, wantErr)
		}
		if len(res.Pending) != 1 || res.Pending[0].Health.Message != "not found" {
			t.Errorf("Wait() pending = %v", res.Pending)
		}
	})
}
