package clusters

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestPreserveGardenerOwned(t *testing.T) {
	t.Parallel()
	const id = "Shoot/garden-dev/a"
	tests := []struct {
		name      string
		desired   *unstructured.Unstructured
		live      *unstructured.Unstructured
		want      *unstructured.Unstructured
		wantNotes []string
	}{
		// nothing to preserve
		{
			name:    "not created yet",
			desired: newShoot("garden-dev", "a").Version("1.33.1").Unstructured(),
			want:    newShoot("garden-dev", "a").Version("1.33.1").Unstructured(),
		},
		{
			name:    "same versions",
			desired: newShoot("garden-dev", "a").Version("1.33.1").Pool(pool("p", "1.32.1", "12.0.1")).Unstructured(),
			live:    newShoot("garden-dev", "a").Version("1.33.1").Pool(pool("p", "1.32.1", "12.0.1")).Unstructured(),
			want:    newShoot("garden-dev", "a").Version("1.33.1").Pool(pool("p", "1.32.1", "12.0.1")).Unstructured(),
		},
		{
			name:    "fleet upgrades: desired newer than live is applied",
			desired: newShoot("garden-dev", "a").Version("1.34.0").Pool(pool("p", "1.33.0", "12.1.0")).Unstructured(),
			live:    newShoot("garden-dev", "a").Version("1.33.5").Pool(pool("p", "1.32.9", "12.0.9")).Unstructured(),
			want:    newShoot("garden-dev", "a").Version("1.34.0").Pool(pool("p", "1.33.0", "12.1.0")).Unstructured(),
		},
		{
			name:    "unparsable versions are left alone",
			desired: newShoot("garden-dev", "a").Version("latest").Pool(pool("p", "", "bookworm")).Unstructured(),
			live:    newShoot("garden-dev", "a").Version("1.33.5").Pool(pool("p", "", "trixie")).Unstructured(),
			want:    newShoot("garden-dev", "a").Version("latest").Pool(pool("p", "", "bookworm")).Unstructured(),
		},
		{
			name:    "a new pool has nothing live to keep",
			desired: newShoot("garden-dev", "a").Version("1.33.1").Pool(pool("new", "1.33.1", "12.0.1")).Unstructured(),
			live:    newShoot("garden-dev", "a").Version("1.33.1").Pool(pool("old", "1.33.9", "12.0.9")).Unstructured(),
			want:    newShoot("garden-dev", "a").Version("1.33.1").Pool(pool("new", "1.33.1", "12.0.1")).Unstructured(),
		},

		// maintenance moved versions forward
		{
			name:    "control plane patch raised by maintenance",
			desired: newShoot("garden-dev", "a").Version("1.33.1").Unstructured(),
			live:    newShoot("garden-dev", "a").Version("1.33.4").Unstructured(),
			want:    newShoot("garden-dev", "a").Version("1.33.4").Unstructured(),
			wantNotes: []string{
				id + " spec.kubernetes.version: kept 1.33.4 over desired 1.33.1: gardener raised the patch version (maintenance, or a partial version completed)",
			},
		},
		{
			name:    "forced minor update of an expired version",
			desired: newShoot("garden-dev", "a").Version("1.32.9").Unstructured(),
			live:    newShoot("garden-dev", "a").Version("1.33.0").Unstructured(),
			want:    newShoot("garden-dev", "a").Version("1.33.0").Unstructured(),
			wantNotes: []string{
				id + " spec.kubernetes.version: kept 1.33.0 over desired 1.32.9: gardener raised the version (forced update of an expired version); update the fleet",
			},
		},
		{
			name: "pool kubernetes and machine image patches, matched by name",
			desired: newShoot("garden-dev", "a").Version("1.33.1").
				Pool(pool("a", "1.32.1", "12.0.1")).Pool(pool("b", "", "12.0.1")).Unstructured(),
			live: newShoot("garden-dev", "a").Version("1.33.1").
				Pool(pool("b", "", "12.0.3")).Pool(pool("a", "1.32.2", "12.0.1")).Unstructured(),
			want: newShoot("garden-dev", "a").Version("1.33.1").
				Pool(pool("a", "1.32.2", "12.0.1")).Pool(pool("b", "", "12.0.3")).Unstructured(),
			wantNotes: []string{
				id + " spec.provider.workers[name=a].kubernetes.version: kept 1.32.2 over desired 1.32.1: gardener raised the patch version (maintenance, or a partial version completed)",
				id + " spec.provider.workers[name=b].machine.image.version: kept 12.0.3 over desired 12.0.1: gardener raised the patch version (maintenance, or a partial version completed)",
			},
		},

		// hibernation
		{
			name:    "enabled dropped when schedules exist",
			desired: newShoot("garden-dev", "a").Hibernation(ptr(false), "00 19 * * 1,2,3,4,5").Unstructured(),
			live:    newShoot("garden-dev", "a").Hibernation(ptr(true), "00 19 * * 1,2,3,4,5").Unstructured(),
			want:    newShoot("garden-dev", "a").Hibernation(nil, "00 19 * * 1,2,3,4,5").Unstructured(),
			wantNotes: []string{
				id + " spec.hibernation.enabled: dropped false: gardener's hibernation controller owns it while hibernation schedules exist",
			},
		},
		{
			name:    "enabled dropped on create too",
			desired: newShoot("garden-dev", "a").Hibernation(ptr(true), "00 19 * * *").Unstructured(),
			want:    newShoot("garden-dev", "a").Hibernation(nil, "00 19 * * *").Unstructured(),
			wantNotes: []string{
				id + " spec.hibernation.enabled: dropped true: gardener's hibernation controller owns it while hibernation schedules exist",
			},
		},
		{
			name:    "enabled kept without schedules",
			desired: newShoot("garden-dev", "a").Hibernation(ptr(true)).Unstructured(),
			live:    newShoot("garden-dev", "a").Hibernation(ptr(false)).Unstructured(),
			want:    newShoot("garden-dev", "a").Hibernation(ptr(true)).Unstructured(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := tt.desired.DeepCopy()
			got, notes := PreserveGardenerOwned(tt.desired, tt.live)
			if diff := cmp.Diff(tt.want.Object, got.Object); diff != "" {
				t.Errorf("PreserveGardenerOwned() object (-want +got):\n%s", diff)
			}
			var gotNotes []string
			for _, n := range notes {
				gotNotes = append(gotNotes, n.String())
			}
			if diff := cmp.Diff(tt.wantNotes, gotNotes); diff != "" {
				t.Errorf("PreserveGardenerOwned() notes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before.Object, tt.desired.Object); diff != "" {
				t.Errorf("PreserveGardenerOwned() modified its input (-before +after):\n%s", diff)
			}
			// A pass goes through every Shoot: one needing no change is not copied.
			if copied := got != tt.desired; copied != (len(tt.wantNotes) > 0) {
				t.Errorf("PreserveGardenerOwned() copied = %v, want %v", copied, len(tt.wantNotes) > 0)
			}
		})
	}

	t.Run("other kinds untouched", func(t *testing.T) {
		cm := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "x", "namespace": "y"},
			"spec":     map[string]any{"kubernetes": map[string]any{"version": "1.0.0"}},
		}}
		live := cm.DeepCopy()
		_ = unstructured.SetNestedField(live.Object, "1.0.5", "spec", "kubernetes", "version")
		got, notes := PreserveGardenerOwned(cm, live)
		if got != cm || notes != nil {
			t.Errorf("PreserveGardenerOwned() = %v, %v; want the input and no notes", got, notes)
		}
	})
}
