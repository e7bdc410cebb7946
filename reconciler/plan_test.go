package reconciler

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// healthy gives a Shoot the status of a finished operation.
func healthy(u *unstructured.Unstructured) *unstructured.Unstructured {
	u = u.DeepCopy()
	u.SetGeneration(2)
	conds := []any{}
	for _, c := range []string{"APIServerAvailable", "ControlPlaneHealthy", "EveryNodeReady", "SystemComponentsHealthy"} {
		conds = append(conds, map[string]any{"type": c, "status": "True"})
	}
	u.Object["status"] = map[string]any{
		"observedGeneration": int64(2),
		"lastOperation":      map[string]any{"type": "Reconcile", "state": "Succeeded", "progress": int64(100)},
		"conditions":         conds,
	}
	return u
}

// TestPlanShoot plans single shoots from their live state, with the landscape's
// versions as the cloud profile, and checks what would be applied for the
// decision made.
func TestPlanShoot(t *testing.T) {
	t.Parallel()
	var versions []planner.ProfileVersion
	for _, v := range []string{"1.33.10", "1.34.8", "1.35.6", "1.36.4", "1.36.5", "1.37.1"} {
		versions = append(versions, planner.ProfileVersion{Version: planner.MustParseVersion(v), Classification: planner.Supported})
	}
	cat, err := planner.NewCatalog(versions)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		live, desired *unstructured.Unstructured
		proceed       bool
		wantSteps     int
		wantTarget    string
		wantErr       string
		wantApply     []string
	}{
		{
			name:       "a new shoot is created at its target",
			desired:    shootObj("1.37.1", "a=", "b=1.34.8"),
			wantApply:  []string{"1.37.1", "a=-", "b=1.34.8"},
			wantTarget: "",
		},
		{
			name:       "steps left, gate says go: the first step",
			live:       healthy(shootObj("1.34.8", "a=", "b=1.33.10")),
			desired:    shootObj("1.37.1", "a=", "b="),
			proceed:    true,
			wantSteps:  5,
			wantTarget: "control plane 1.37.1, pool a 1.37.1, pool b 1.37.1",
			wantApply:  []string{"1.35.6", "a=1.34.8", "b=1.33.10"},
		},
		{
			name:       "steps left, gate says wait: the live versions",
			live:       healthy(shootObj("1.34.8", "a=", "b=1.33.10")),
			desired:    shootObj("1.37.1", "a=", "b="),
			wantSteps:  5,
			wantTarget: "control plane 1.37.1, pool a 1.37.1, pool b 1.37.1",
			wantApply:  []string{"1.34.8", "a=-", "b=1.33.10"},
		},
		{
			name:       "a patch raised by maintenance is kept",
			live:       healthy(shootObj("1.36.5", "a=")),
			desired:    shootObj("1.36.4", "a="),
			wantTarget: "control plane 1.36.5, pool a 1.36.5",
			wantApply:  []string{"1.36.5", "a=-"},
		},
		{
			name:      "a downgrade has no plan and keeps the live versions",
			live:      healthy(shootObj("1.36.4", "a=")),
			desired:   shootObj("1.35.6", "a="),
			wantErr:   "control plane 1.36.4 -> 1.35.6 is a downgrade, which Gardener refuses: set the fleet to 1.36.4 or later (Gardener's maintenance force-updates an expired version by a minor)",
			wantApply: []string{"1.36.4", "a=-"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			catalogs := &catalogCache{now: time.Now(), byKey: map[string]catalogEntry{"CloudProfile//": {cat: cat}}}
			// Encoded, as a daemon keeps a revision.
			encoded, err := clusters.Encode(tt.desired)
			if err != nil {
				t.Fatal(err)
			}
			it := &shootItem{desired: encoded[0]}
			if tt.live != nil {
				it.live = observeLiveShoot(tt.live, time.Time{})
			}
			(&engine{}).planShoot(context.Background(), it, tt.desired, catalogs)
			gotErr := ""
			if it.planErr != nil {
				gotErr = it.planErr.Error()
			}
			if gotErr != tt.wantErr {
				t.Errorf("plan error = %q, want %q", gotErr, tt.wantErr)
			}
			if len(it.steps) != tt.wantSteps {
				t.Errorf("steps = %d, want %d: %v", len(it.steps), tt.wantSteps, it.steps)
			}
			if tt.live != nil && tt.wantErr == "" {
				if got := it.target.String(); got != tt.wantTarget {
					t.Errorf("target = %s, want %s", got, tt.wantTarget)
				}
			}
			it.decision.Proceed = tt.proceed
			applyObj, err := it.objectToApply()
			if err != nil {
				t.Fatal(err)
			}
			apply, err := applyObj.Decode()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantApply, versionsOf(apply)); diff != "" {
				t.Errorf("applied versions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPercentJitter(t *testing.T) {
	t.Parallel()
	j := PercentJitter(0.05)
	for range 1000 {
		if d := j(time.Minute); d < 57*time.Second || d > 63*time.Second {
			t.Fatalf("jitter of 1m by 5%% gave %s", d)
		}
	}
}
