package reconciler

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
)

func entries(cs *clusters.ChangeSet) []string {
	if cs == nil {
		return nil
	}
	var out []string
	for _, e := range cs.Entries {
		out = append(out, e.String())
	}
	return out
}

// TestRunOnce runs single passes without a Fleet object: create, no-op, one
// upgrade step per pass once Gardener confirmed the last, prune, and an
// invalid fleet.
func TestRunOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	opts := DefaultOnceOptions()
	opts.URL = git.URL(h.repo)
	opts.Owner = clusters.Owner{Namespace: h.ns, Name: "once"}
	opts.Prune, opts.ConfirmShootDeletion = true, true
	opts.DeletionGuard = v1alpha1.DeletionGuard{AllowShootDeletion: true}
	opts.CacheDir = t.TempDir()
	ns := h.shootNamespace()

	fl := newFleet()
	fl.shoot("a", "1.36.4", "")
	fl.shoot("b", "1.36.4", "")
	rev := h.push(fl.files())

	t.Run("create", func(t *testing.T) {
		// The project's namespace appears once the simulator sees the Project.
		var res *OnceResult
		h.eventually(t, func(g Gomega) {
			var err error
			res, err = RunOnce(ctx, env.Client, opts)
			g.Expect(err).NotTo(HaveOccurred())
		})
		if res.Revision != rev {
			t.Errorf("revision = %s, want %s", res.Revision, rev)
		}
		if res.Ready.Status != metav1.ConditionTrue {
			t.Errorf("Ready = %s %s: %s", res.Ready.Status, res.Ready.Reason, res.Ready.Message)
		}
		if got := h.shoot("a"); got == nil || got.GetLabels()[clusters.LabelName] != "once" {
			t.Fatalf("shoot a not applied with the owner's labels: %v", got)
		}
	})

	t.Run("no-op", func(t *testing.T) {
		res, err := RunOnce(ctx, env.Client, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Project/" + h.project + " unchanged", "Shoot/" + ns + "/a unchanged", "Shoot/" + ns + "/b unchanged"}
		if diff := cmp.Diff(want, entries(res.Applied)); diff != "" {
			t.Errorf("applied (-want +got):\n%s", diff)
		}
		if res.Pruned != nil {
			t.Errorf("pruned %v, want nothing", entries(res.Pruned))
		}
	})

	t.Run("one upgrade step per pass", func(t *testing.T) {
		h.eventually(t, func(g Gomega) { h.shootHealthy(g, "a") })
		up := newFleet()
		up.shoot("a", "1.37.1", "")
		up.shoot("b", "1.36.4", "")
		h.push(up.files())
		res, err := RunOnce(ctx, env.Client, opts)
		if err != nil {
			t.Fatal(err)
		}
		a := res.Shoots[0]
		want := v1alpha1.ShootStatus{Name: "a", Namespace: ns, Phase: v1alpha1.ShootUpgrading, Reason: StepAppliedReason,
			Message:      "applying step 1/2: control plane 1.36.4 -> 1.37.1",
			ControlPlane: "1.36.4", Pools: map[string]string{"a": "1.36.4", "b": "1.36.4"},
			Target: "control plane 1.37.1, pool a 1.37.1, pool b 1.37.1", CurrentStep: 1, StepsLeft: 1,
			// Gardener's last operation as the pass read the Shoot, before this step.
			LastOperation: &v1alpha1.LastOperation{Type: "Create", State: "Succeeded"}}
		if diff := cmp.Diff(want, a, cmpIgnoreStepStart); diff != "" {
			t.Errorf("shoot a (-want +got):\n%s", diff)
		}
		if res.Ready.Reason != ProgressingReason {
			t.Errorf("Ready reason = %s, want %s", res.Ready.Reason, ProgressingReason)
		}
		// Right away, Gardener is still at it: the pass holds the versions.
		res, err = RunOnce(ctx, env.Client, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Shoots[0]; got.ControlPlane != "1.37.1" || got.Pools["a"] != "1.36.4" {
			t.Errorf("shoot a after the second pass: %+v", got)
		}
		h.eventually(t, func(g Gomega) {
			h.shootHealthy(g, "a")
			res, err := RunOnce(ctx, env.Client, opts)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Shoots[0].Phase).To(Equal(v1alpha1.ShootUpToDate))
			g.Expect(res.Shoots[0].Pools).To(Equal(map[string]string{"a": "1.37.1", "b": "1.37.1"}))
		})
	})

	t.Run("prune from the owner's labels", func(t *testing.T) {
		only := newFleet()
		only.shoot("a", "1.37.1", "")
		h.push(only.files())
		res, err := RunOnce(ctx, env.Client, opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Shoot/" + ns + "/b deleted"}, entries(res.Pruned)); diff != "" {
			t.Errorf("pruned (-want +got):\n%s", diff)
		}
	})

	t.Run("invalid fleet", func(t *testing.T) {
		files := newFleet().files()
		files["shoots.cue"] = "package fleet\n\nshoots: a: project: 7\n"
		h.push(files)
		res, err := RunOnce(ctx, env.Client, opts)
		if err == nil || !strings.HasPrefix(err.Error(), "fleet is invalid: ") || !strings.Contains(err.Error(), "shoots.cue:3:") {
			t.Fatalf("error = %v, want the fleet's issues with positions", err)
		}
		if res.Applied != nil || res.Ready.Reason != BuildFailedReason {
			t.Errorf("applied %v, Ready reason %s; want nothing applied and %s", entries(res.Applied), res.Ready.Reason, BuildFailedReason)
		}
	})
}

var cmpIgnoreStepStart = cmpopts.IgnoreFields(v1alpha1.ShootStatus{}, "StepStartedAt")
