package reconciler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// TestFleetCRDRoundTrip checks the shipped CRD against the Go types: every
// field survives a write and a read (nothing pruned), defaults are filled in,
// and the validation rules refuse what they should.
func TestFleetCRDRoundTrip(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	ns := e.NewNamespace(t)
	now := metav1.NewTime(time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC))

	full := &v1alpha1.Fleet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "full"},
		Spec: v1alpha1.FleetSpec{
			URL:                  "ssh://git@example.com/fleet.git",
			Ref:                  &v1alpha1.GitRef{SemVer: ">=1.0.0"},
			Path:                 "clusters/prod",
			Interval:             &metav1.Duration{Duration: 5 * time.Minute},
			Timeout:              &metav1.Duration{Duration: time.Minute},
			StepTimeout:          &metav1.Duration{Duration: 3 * time.Hour},
			SecretRef:            &v1alpha1.LocalObjectReference{Name: "git"},
			Verify:               &v1alpha1.Verification{SecretRef: v1alpha1.LocalObjectReference{Name: "keys"}},
			Prune:                true,
			Suspend:              true,
			ShootSelector:        &metav1.LabelSelector{MatchLabels: map[string]string{"team": "blue"}},
			DeletionGuard:        &v1alpha1.DeletionGuard{MaxShootPercent: ptr.To[int32](25), AllowShootDeletion: true},
			ConfirmShootDeletion: true,
		},
	}
	if err := e.Client.Create(ctx, full); err != nil {
		t.Fatal(err)
	}
	full.Status = v1alpha1.FleetStatus{
		ObservedGeneration:     1,
		Conditions:             []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: SucceededReason, Message: "applied", LastTransitionTime: now}},
		LastAppliedRevision:    "main@sha1:0123456789abcdef0123456789abcdef01234567",
		LastAttemptedRevision:  "main@sha1:0123456789abcdef0123456789abcdef01234567",
		LastHandledReconcileAt: "2026-05-04T12:00:00Z",
		Inventory: &v1alpha1.ResourceInventory{
			Types: []v1alpha1.InventoryType{
				{Version: "v1", Kind: "Namespace", Namespaces: []v1alpha1.InventoryNamespace{{Names: []string{"labs"}}}},
				{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot", Namespaces: []v1alpha1.InventoryNamespace{{Namespace: "garden-a", Names: []string{"s", "t"}}}},
			},
			Entries: []v1alpha1.ResourceRef{{ID: "garden-a_u_core.gardener.cloud_Shoot", Version: "v1beta1"}},
		},
		ShootCounts: &v1alpha1.ShootCounts{Total: 5, UpToDate: 3, Upgrading: 1, Waiting: 1},
		Shoots: []v1alpha1.ShootStatus{{
			Name: "s", Namespace: "garden-a", Phase: v1alpha1.ShootUpgrading, Reason: StepAppliedReason, Message: "applying step 1/2",
			ControlPlane: "1.34.8", Pools: map[string]string{"a": "1.34.8"}, Target: "control plane 1.35.6, pool a 1.35.6",
			CurrentStep: 1, StepsLeft: 1, StepStartedAt: &now,
			Wave: "canary", Hibernated: true, LastOperation: &v1alpha1.LastOperation{Type: "Reconcile", State: "Processing"},
		}},
		ShootsNotListed: 1,
		ShootsUpToDate:  3,
		Waves: []v1alpha1.WaveStatus{{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: &now, BakeUntil: &now,
			Shoots: &v1alpha1.ShootCounts{Total: 2, UpToDate: 2}}},
	}
	if err := e.Client.Status().Update(ctx, full); err != nil {
		t.Fatal(err)
	}
	got := &v1alpha1.Fleet{}
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(full), got); err != nil {
		t.Fatal(err)
	}
	ignoreMeta := cmpopts.IgnoreFields(v1alpha1.Fleet{}, "ObjectMeta", "TypeMeta")
	if diff := cmp.Diff(full, got, ignoreMeta); diff != "" {
		t.Errorf("round trip (-sent +read):\n%s", diff)
	}

	t.Run("defaults", func(t *testing.T) {
		f := &v1alpha1.Fleet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "defaults"},
			Spec: v1alpha1.FleetSpec{URL: "https://example.com/fleet.git", DeletionGuard: &v1alpha1.DeletionGuard{}}}
		if err := e.Client.Create(ctx, f); err != nil {
			t.Fatal(err)
		}
		want := v1alpha1.FleetSpec{
			URL:           "https://example.com/fleet.git",
			Interval:      &metav1.Duration{Duration: time.Minute},
			Timeout:       &metav1.Duration{Duration: 5 * time.Minute},
			StepTimeout:   &metav1.Duration{Duration: 2 * time.Hour},
			DeletionGuard: &v1alpha1.DeletionGuard{MaxShootPercent: ptr.To[int32](10)},
		}
		if diff := cmp.Diff(want, f.Spec); diff != "" {
			t.Errorf("defaulted spec (-want +got):\n%s", diff)
		}
		// The Go helpers agree with the API server's defaults.
		bare := &v1alpha1.Fleet{}
		if bare.GetInterval() != *f.Spec.Interval || bare.GetTimeout() != *f.Spec.Timeout ||
			bare.GetStepTimeout() != *f.Spec.StepTimeout || bare.GetMaxShootPercent() != *f.Spec.DeletionGuard.MaxShootPercent {
			t.Errorf("Go defaults differ from the CRD's")
		}
	})

	t.Run("validation", func(t *testing.T) {
		tests := []struct {
			name    string
			spec    v1alpha1.FleetSpec
			wantErr string
		}{
			{name: "two refs", spec: v1alpha1.FleetSpec{URL: "https://x/y.git", Ref: &v1alpha1.GitRef{Branch: "main", Tag: "v1"}},
				wantErr: "at most one of ref.branch, ref.tag, ref.semver and ref.commit may be set"},
			{name: "short commit", spec: v1alpha1.FleetSpec{URL: "https://x/y.git", Ref: &v1alpha1.GitRef{Commit: "abc"}},
				wantErr: `spec.ref.commit: Invalid value: "abc": spec.ref.commit in body should match '^[0-9a-f]{40}$'`},
			{name: "no url", spec: v1alpha1.FleetSpec{},
				wantErr: `spec.url: Invalid value: "": spec.url in body should be at least 1 chars long`},
			{name: "percent above 100", spec: v1alpha1.FleetSpec{URL: "https://x/y.git", DeletionGuard: &v1alpha1.DeletionGuard{MaxShootPercent: ptr.To[int32](150)}},
				wantErr: "spec.deletionGuard.maxShootPercent: Invalid value: 150: spec.deletionGuard.maxShootPercent in body should be less than or equal to 100"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				f := &v1alpha1.Fleet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "invalid-" + string(rune('a'+i))}, Spec: tt.spec}
				err := e.Client.Create(ctx, f)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("create error = %v, want it to contain %q", err, tt.wantErr)
				}
			})
		}
	})
}

// TestFleetStatusWrite10000 writes the status the reconciler computes for
// 10,000 shoots mid-upgrade (TestFleetStatusSize's fleet, built by planShoot,
// gate, shootStatus and record) through the API server, as the reconciler's
// merge patch does, and reads it back whole. The 10,000 Shoots themselves are
// not created: the status is what this is about.
func TestFleetStatusWrite10000(t *testing.T) {
	t.Parallel()
	e := requireEnv(t)
	ctx := context.Background()
	_, mid := sizeAt(t, 10000)
	f := &v1alpha1.Fleet{ObjectMeta: metav1.ObjectMeta{Namespace: e.NewNamespace(t), Name: "big"}, Spec: mid.Spec}
	if err := e.Client.Create(ctx, f); err != nil {
		t.Fatal(err)
	}
	orig := f.DeepCopy()
	f.Status = mid.Status
	if err := e.Client.Status().Patch(ctx, f, client.MergeFrom(orig)); err != nil {
		t.Fatalf("patch the status of 10,000 shoots: %v", err)
	}
	got := &v1alpha1.Fleet{}
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(f), got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mid.Status, got.Status, cmpopts.EquateApproxTime(time.Second)); diff != "" {
		t.Errorf("status read back (-written +read):\n%s", diff)
	}
	if n := got.Status.Inventory.Len(); n != 10020 {
		t.Errorf("inventory of %d objects read back, want 10,020", n)
	}
	t.Logf("stored Fleet: %d bytes", storedSize(t, got))
}
