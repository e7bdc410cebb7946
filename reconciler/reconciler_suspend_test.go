package reconciler

import (
	"context"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// TestSuspendAndReconcileNow suspends a Fleet, resumes it, and asks for a
// pass with the reconcile-now annotation long before its interval.
func TestSuspendAndReconcileNow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	fl := newFleet()
	fl.shoot("s", "1.36.4", "")
	rev := h.push(fl.files())
	h.createFleet(func(f *v1alpha1.Fleet) {
		f.Spec.Suspend = true
		f.Spec.Interval = &metav1.Duration{Duration: time.Hour}
	})
	h.start()

	t.Run("suspended: nothing applied", func(t *testing.T) {
		h.eventually(t, func(g Gomega) {
			status, reason, _ := readyReason(h.fleet(g))
			g.Expect(status).To(Equal(metav1.ConditionFalse))
			g.Expect(reason).To(Equal(SuspendedReason))
		})
		if h.shoot("s") != nil {
			t.Error("a suspended Fleet applied a shoot")
		}
	})

	t.Run("resumed: applied", func(t *testing.T) {
		patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"suspend":false}}`))
		if err := env.Client.Patch(ctx, h.fleet(NewWithT(t)), patch); err != nil {
			t.Fatal(err)
		}
		h.eventually(t, func(g Gomega) { readyAt(g, h.fleet(g), rev) })
	})

	t.Run("reconcile now", func(t *testing.T) {
		fl.shoots[0].with(`labels: now: "yes"`)
		next := h.push(fl.files())
		const at = "2026-05-04T12:00:00Z"
		patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+meta.ReconcileRequestAnnotation+`":"`+at+`"}}}`))
		if err := env.Client.Patch(ctx, h.fleet(NewWithT(t)), patch); err != nil {
			t.Fatal(err)
		}
		h.eventually(t, func(g Gomega) {
			f := h.fleet(g)
			readyAt(g, f, next)
			g.Expect(f.Status.LastHandledReconcileAt).To(Equal(at))
		})
	})
}
