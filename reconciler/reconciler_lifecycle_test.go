package reconciler

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
)

// readyAt checks that the Fleet is Ready with rev applied and observed.
func readyAt(g Gomega, f *v1alpha1.Fleet, rev string) {
	ready := conditions.Get(f, meta.ReadyCondition)
	g.Expect(ready).NotTo(BeNil(), "no Ready condition")
	g.Expect(ready.Status).To(Equal(metav1.ConditionTrue), "Ready: %s: %s", ready.Reason, ready.Message)
	g.Expect(f.Status.LastAppliedRevision).To(Equal(rev))
	g.Expect(f.Status.ObservedGeneration).To(Equal(f.Generation))
}

func readyReason(f *v1alpha1.Fleet) (metav1.ConditionStatus, string, string) {
	c := conditions.Get(f, meta.ReadyCondition)
	if c == nil {
		return "", "", ""
	}
	return c.Status, c.Reason, c.Message
}

// editPurpose changes a shoot's purpose as someone with kubectl edit would.
func editPurpose(t *testing.T, h *harness, name, purpose string) {
	t.Helper()
	patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"purpose":"`+purpose+`"}}`))
	if err := env.Client.Patch(context.Background(), h.shoot(name), patch, client.FieldOwner("kubectl-edit")); err != nil {
		t.Fatal(err)
	}
	if got := purposeOf(h.shoot(name)); got != purpose {
		t.Fatalf("purpose after the edit = %q", got)
	}
}

func purposeOf(u *unstructured.Unstructured) string {
	p, _, _ := unstructured.NestedString(u.Object, "spec", "purpose")
	return p
}

// TestFleetLifecycle follows one fleet through its life on the garden
// cluster: created, changed, broken, fetched from a server that goes away,
// edited by hand, and pruned within the deletion guard.
func TestFleetLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	fl := newFleet()
	for _, n := range []string{"s1", "s2", "s3", "s4"} {
		fl.shoot(n, "1.36.4", "")
	}
	rev1 := h.push(fl.files())
	h.createFleet(func(f *v1alpha1.Fleet) {
		f.Spec.Prune = true
		f.Spec.ConfirmShootDeletion = true
		f.Spec.DeletionGuard = &v1alpha1.DeletionGuard{AllowShootDeletion: true}
	})
	opts := h.reconcilerOptions()
	stop := h.startWith(opts)

	t.Run("push a commit: the objects appear", func(t *testing.T) {
		h.eventually(t, func(g Gomega) { readyAt(g, h.fleet(g), rev1) })
		for _, n := range []string{"s1", "s2", "s3", "s4"} {
			s := h.shoot(n)
			if s == nil {
				t.Fatalf("shoot %s not created", n)
			}
			want := map[string]string{clusters.LabelName: h.key.Name, clusters.LabelNamespace: h.key.Namespace}
			// Gardener's ExtensionLabels admission adds labels of its own.
			got := map[string]string{}
			for k, v := range s.GetLabels() {
				if strings.HasPrefix(k, "gardenfleet.dev/") {
					got[k] = v
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("shoot %s labels (-want +got):\n%s", n, diff)
			}
		}
		f := h.fleet(NewWithT(t))
		var ids []string
		for _, r := range statusInventory(f.Status.Inventory).Entries {
			ids = append(ids, strings.Join([]string{r.Namespace, r.Name, r.Group, r.Kind}, "_"))
		}
		slices.Sort(ids)
		ns := h.shootNamespace()
		want := []string{
			"_" + h.project + "_core.gardener.cloud_Project",
			ns + "_s1_core.gardener.cloud_Shoot", ns + "_s2_core.gardener.cloud_Shoot",
			ns + "_s3_core.gardener.cloud_Shoot", ns + "_s4_core.gardener.cloud_Shoot",
		}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("inventory (-want +got):\n%s", diff)
		}
		if f.Status.ShootsUpToDate != 4 {
			t.Errorf("shootsUpToDate = %d, want 4", f.Status.ShootsUpToDate)
		}
	})

	rev2 := ""
	t.Run("change it: the objects follow, with progress in the status", func(t *testing.T) {
		readies := h.watchReady(t)
		fl.shoots[0].with(`labels: team: "blue"`)
		rev2 = h.push(fl.files())
		h.eventually(t, func(g Gomega) {
			readyAt(g, h.fleet(g), rev2)
			g.Expect(h.shoot("s1").GetLabels()).To(HaveKeyWithValue("team", "blue"))
		})
		want := []string{
			"Unknown Progressing applying revision " + rev2,
			"True ReconciliationSucceeded applied revision " + rev2,
		}
		h.eventually(t, func(g Gomega) { g.Expect(readies()).To(ContainElements(want)) })
		if e := "Normal Applied revision " + rev2 + ": 1 configured, 4 unchanged"; !containsEvent(h.events.all(), e) {
			t.Errorf("no Event %q; events:\n%s", e, strings.Join(h.events.all(), "\n"))
		}
		got := readies()
		if i, j := indexOf(got, want[0]), indexOf(got, want[1]); i > j {
			t.Errorf("Ready went %v", got)
		}
	})

	t.Run("push invalid CUE: Ready=False with file:line, nothing changed", func(t *testing.T) {
		before := h.shoot("s1")
		const wantIssue = `shoots.cue:8:18: shoots.s1.rollout.wave: shoot "s1" joins wave "nope", which is not declared in waves`
		files := fl.files()
		files["shoots.cue"] = strings.Replace(files["shoots.cue"], `purpose: "evaluation"`, `rollout: wave: "nope"`, 1)
		rev3 := h.push(files)
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			g.Expect(f.Status.LastAttemptedRevision).To(Equal(rev3))
			status, reason, msg := readyReason(f)
			g.Expect(status).To(Equal(metav1.ConditionFalse))
			g.Expect(reason).To(Equal(BuildFailedReason))
			g.Expect(msg).To(Equal("fleet is invalid: 1 error:\n" + wantIssue))
			g.Expect(conditions.IsStalled(f)).To(BeTrue())
			g.Expect(f.Status.LastAppliedRevision).To(Equal(rev2), "the previous revision stays in force")
		})
		if after := h.shoot("s1"); after.GetResourceVersion() != before.GetResourceVersion() {
			t.Errorf("shoot s1 changed while the fleet was invalid: %s", purposeOf(after))
		}
		if !containsEvent(h.events.all(), "Warning BuildFailed fleet is invalid: 1 error:\n"+wantIssue) {
			t.Errorf("no BuildFailed Warning Event with the position; events:\n%s", strings.Join(h.events.all(), "\n"))
		}
		// The previous revision stays in force: drift is still corrected.
		editPurpose(t, h, "s2", "testing")
		h.eventually(t, func(g Gomega) {
			g.Expect(purposeOf(h.shoot("s2"))).To(Equal("evaluation"))
			status, reason, _ := readyReason(h.fleet(g))
			g.Expect(status).To(Equal(metav1.ConditionFalse))
			g.Expect(reason).To(Equal(BuildFailedReason))
		})
	})

	t.Run("push a project Gardener refuses: Ready=False with its message, nothing changed", func(t *testing.T) {
		before := h.shoot("s1")
		wantIssue := "fleet.cue:3:11: projects." + h.project + ": spec.description: Forbidden: must not contain invalid character: ['(' ')']"
		fl.extra = "projects: PROJECT: description: \"clusters (all)\"\n"
		rev := h.push(fl.files())
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			g.Expect(f.Status.LastAttemptedRevision).To(Equal(rev))
			status, reason, msg := readyReason(f)
			g.Expect(status).To(Equal(metav1.ConditionFalse))
			g.Expect(reason).To(Equal(BuildFailedReason))
			g.Expect(msg).To(Equal("fleet is invalid: 1 error:\n" + wantIssue))
			g.Expect(f.Status.LastAppliedRevision).To(Equal(rev2), "the previous revision stays in force")
		})
		if after := h.shoot("s1"); after.GetResourceVersion() != before.GetResourceVersion() {
			t.Errorf("shoot s1 changed while the fleet was refused")
		}
		if !containsEvent(h.events.all(), "Warning BuildFailed fleet is invalid: 1 error:\n"+wantIssue) {
			t.Errorf("no BuildFailed Warning Event with Gardener's message; events:\n%s", strings.Join(h.events.all(), "\n"))
		}
	})

	rev4 := ""
	t.Run("fix it: applied again", func(t *testing.T) {
		fl.extra = "// fixed\n"
		rev4 = h.push(fl.files())
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			readyAt(g, f, rev4)
			g.Expect(conditions.Has(f, meta.StalledCondition)).To(BeFalse())
		})
	})

	t.Run("stop the Git server: the last revision is kept, and recovers", func(t *testing.T) {
		if err := git.Stop(); err != nil {
			t.Fatal(err)
		}
		restarted := false
		defer func() {
			if !restarted {
				_ = git.Restart()
			}
		}()
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			status, reason, msg := readyReason(f)
			g.Expect(status).To(Equal(metav1.ConditionFalse))
			g.Expect(reason).To(Equal(FetchFailedReason))
			g.Expect(msg).To(HaveSuffix("; revision " + rev4 + " stays applied"))
			g.Expect(f.Status.LastAppliedRevision).To(Equal(rev4))
			g.Expect(f.Status.Inventory.Len()).To(Equal(5), "could not fetch is not an empty fleet")
		})
		for _, n := range []string{"s1", "s2", "s3", "s4"} {
			if s := h.shoot(n); s == nil || s.GetDeletionTimestamp() != nil {
				t.Errorf("shoot %s gone while Git was down", n)
			}
		}
		// The last revision stays in force while Git is down: drift is corrected.
		editPurpose(t, h, "s3", "testing")
		h.eventually(t, func(g Gomega) {
			g.Expect(purposeOf(h.shoot("s3"))).To(Equal("evaluation"))
			_, reason, _ := readyReason(h.fleet(g))
			g.Expect(reason).To(Equal(FetchFailedReason))
		})
		// So it does for a restarted daemon: it rebuilds it from its cache.
		stop()
		stop = h.startWith(opts)
		editPurpose(t, h, "s2", "testing")
		h.eventually(t, func(g Gomega) {
			g.Expect(purposeOf(h.shoot("s2"))).To(Equal("evaluation"))
			f := h.fleet(g)
			_, reason, _ := readyReason(f)
			g.Expect(reason).To(Equal(FetchFailedReason))
			g.Expect(f.Status.Inventory.Len()).To(Equal(5))
		})
		if err := git.Restart(); err != nil {
			t.Fatal(err)
		}
		restarted = true
		h.eventually(t, func(g Gomega) { readyAt(g, h.fleet(g), rev4) })
	})

	t.Run("edit a Shoot by hand: the drift is corrected", func(t *testing.T) {
		editPurpose(t, h, "s1", "testing")
		h.eventually(t, func(g Gomega) {
			g.Expect(purposeOf(h.shoot("s1"))).To(Equal("evaluation"))
		})
	})

	t.Run("push a commit dropping half the shoots: the guard holds", func(t *testing.T) {
		half := newFleet()
		half.shoot("s1", "1.36.4", "").with(`labels: team: "blue"`)
		half.shoot("s2", "1.36.4", "")
		rev := h.push(half.files())
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			g.Expect(f.Status.LastAttemptedRevision).To(Equal(rev))
			status, reason, msg := readyReason(f)
			g.Expect(status).To(Equal(metav1.ConditionFalse))
			g.Expect(reason).To(Equal(PruneRefusedReason))
			ns := h.shootNamespace()
			g.Expect(msg).To(Equal("prune revision " + rev + ": refusing to prune 2 of 4 shoots (Shoot/" + ns + "/s3, Shoot/" + ns +
				"/s4): more than 10% of the fleet's shoots (at most 1) in one revision"))
			g.Expect(conditions.IsStalled(f)).To(BeTrue())
			g.Expect(f.Status.LastAppliedRevision).To(Equal(rev4))
			g.Expect(f.Status.Inventory.Len()).To(Equal(5), "refused shoots stay in the inventory")
		})
		for _, n := range []string{"s3", "s4"} {
			if s := h.shoot(n); s == nil || s.GetDeletionTimestamp() != nil {
				t.Errorf("shoot %s deleted although the guard refused", n)
			}
		}
	})

	t.Run("drop one shoot: pruned with Gardener's confirmation", func(t *testing.T) {
		three := newFleet()
		three.shoot("s1", "1.36.4", "").with(`labels: team: "blue"`)
		three.shoot("s2", "1.36.4", "")
		three.shoot("s3", "1.36.4", "")
		rev := h.push(three.files())
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			readyAt(g, f, rev)
			g.Expect(f.Status.Inventory.Len()).To(Equal(4))
			s4 := h.shoot("s4")
			g.Expect(s4 == nil || s4.GetDeletionTimestamp() != nil).To(BeTrue(), "shoot s4 not deleted")
		})
		if !containsEvent(h.events.all(), "Normal Pruned revision "+rev+": deleted Shoot/"+h.shootNamespace()+"/s4") {
			t.Errorf("no Pruned Event; events:\n%s", strings.Join(h.events.all(), "\n"))
		}
	})
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

func containsEvent(events []string, prefix string) bool {
	for _, e := range events {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}
