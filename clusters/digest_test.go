package clusters

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/gardener/shoot/shoottest"
)

func TestUnchangedLocally(t *testing.T) {
	t.Parallel()
	desiredOf := func(b *shoottest.Builder) *unstructured.Unstructured {
		u := b.Unstructured()
		u.SetLabels(map[string]string{LabelName: "f", LabelNamespace: "ns"})
		if err := setDigest(u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	base := func() *shoottest.Builder {
		return newShoot("garden-dev", "a").Version("1.33.1").Pool(pool("p", "", "12.0.1")).Set(int64(24), "spec", "kubernetes", "kubeControllerManager", "nodeCIDRMaskSize")
	}
	desired := desiredOf(base())

	// liveOf is what the API server returns after applying desired: defaults
	// added, status set, numbers decoded as int64 or float64.
	liveOf := func(edit func(*unstructured.Unstructured)) *unstructured.Unstructured {
		u := desired.DeepCopy()
		u.SetResourceVersion("42")
		_ = unstructured.SetNestedField(u.Object, "Succeeded", "status", "lastOperation", "state")
		_ = unstructured.SetNestedField(u.Object, "ipv4", "spec", "networking", "ipFamilies")
		_ = unstructured.SetNestedField(u.Object, float64(24), "spec", "kubernetes", "kubeControllerManager", "nodeCIDRMaskSize")
		anns := u.GetAnnotations()
		anns["gardener.cloud/created-by"] = "someone"
		u.SetAnnotations(anns)
		if edit != nil {
			edit(u)
		}
		return u
	}

	tests := []struct {
		name    string
		desired *unstructured.Unstructured
		live    *unstructured.Unstructured
		want    bool
	}{
		{name: "applied and untouched", desired: desired, live: liveOf(nil), want: true},
		{
			name: "hand-edited field", desired: desired,
			live: liveOf(func(u *unstructured.Unstructured) {
				_ = unstructured.SetNestedField(u.Object, "1.33.0", "spec", "kubernetes", "version")
			}),
		},
		{
			name: "hand-removed field", desired: desired,
			live: liveOf(func(u *unstructured.Unstructured) {
				unstructured.RemoveNestedField(u.Object, "spec", "kubernetes")
			}),
		},
		{
			name: "a worker pool added by hand", desired: desired,
			live: liveOf(func(u *unstructured.Unstructured) {
				ws, _, _ := unstructured.NestedSlice(u.Object, "spec", "provider", "workers")
				_ = unstructured.SetNestedSlice(u.Object, append(ws, map[string]any{"name": "x"}), "spec", "provider", "workers")
			}),
		},
		{
			name: "ownership label removed by hand", desired: desired,
			live: liveOf(func(u *unstructured.Unstructured) { u.SetLabels(nil) }),
		},
		{
			name: "desired changed: digest differs", desired: desiredOf(base().Version("1.33.2")),
			live: liveOf(func(u *unstructured.Unstructured) {
				// Even with the field already at the new value.
				_ = unstructured.SetNestedField(u.Object, "1.33.2", "spec", "kubernetes", "version")
			}),
		},
		{
			// A field dropped from the fleet must be removed by an apply: only the digest shows it.
			name:    "desired dropped a field",
			desired: desiredOf(newShoot("garden-dev", "a").Version("1.33.1").Set(int64(24), "spec", "kubernetes", "kubeControllerManager", "nodeCIDRMaskSize")),
			live:    liveOf(nil),
		},
		{
			name: "being deleted", desired: desired,
			live: liveOf(func(u *unstructured.Unstructured) {
				u.SetFinalizers([]string{"x"})
				u.Object["metadata"].(map[string]any)["deletionTimestamp"] = "2025-01-01T00:00:00Z"
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := unchangedLocally(tt.desired, tt.live); got != tt.want {
				t.Errorf("unchangedLocally() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSetDigestStable(t *testing.T) {
	t.Parallel()
	a := newShoot("garden-dev", "a").Version("1.33.1").Unstructured()
	b := a.DeepCopy()
	if err := setDigest(a); err != nil {
		t.Fatal(err)
	}
	// Digesting an already stamped object gives the same digest.
	if err := setDigest(b); err != nil {
		t.Fatal(err)
	}
	first := b.GetAnnotations()[DigestAnnotation]
	if err := setDigest(b); err != nil {
		t.Fatal(err)
	}
	if got := b.GetAnnotations()[DigestAnnotation]; got != first || got != a.GetAnnotations()[DigestAnnotation] {
		t.Errorf("digest not stable: %q, %q, %q", first, got, a.GetAnnotations()[DigestAnnotation])
	}
	if len(first) != len("sha256:")+32 {
		t.Errorf("digest %q has unexpected length", first)
	}
}

// A version Gardener raised is kept in what is applied, but the digest stays
// the one of the fleet's object: created with it, found unchanged with it.
func TestSettleDigestsWhatTheFleetAsks(t *testing.T) {
	t.Parallel()
	desired := func() *unstructured.Unstructured {
		return newShoot("garden-dev", "a").Version("1.33.1").Pool(pool("p", "", "12")).Unstructured()
	}
	created, _, err := settle(desired(), nil)
	if err != nil {
		t.Fatal(err)
	}
	live := created.DeepCopy()
	_ = unstructured.SetNestedField(live.Object, "1.33.4", "spec", "kubernetes", "version")
	ws, _, _ := unstructured.NestedSlice(live.Object, "spec", "provider", "workers")
	_ = unstructured.SetNestedField(ws[0].(map[string]any), "12.0.3", "machine", "image", "version")
	_ = unstructured.SetNestedSlice(live.Object, ws, "spec", "provider", "workers")

	again, notes, err := settle(desired(), live)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 {
		t.Fatalf("notes = %v, want the control plane's and the pool's image version kept", notes)
	}
	if got, want := again.GetAnnotations()[DigestAnnotation], created.GetAnnotations()[DigestAnnotation]; got != want {
		t.Errorf("digest with live versions kept = %s, want the one applied on create %s", got, want)
	}
	if v, _, _ := unstructured.NestedString(again.Object, "spec", "kubernetes", "version"); v != "1.33.4" {
		t.Errorf("settled spec.kubernetes.version = %q, want live's 1.33.4", v)
	}
	if !unchangedLocally(again, live) {
		t.Error("unchangedLocally() = false for a Shoot whose only difference is versions Gardener raised")
	}
}
