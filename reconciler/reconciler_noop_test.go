package reconciler

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// TestNoOpReconcileCost counts the API requests of a pass when nothing
// changed in Git or in the cluster: fewer than one per 50 managed objects.
func TestNoOpReconcileCost(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	const shoots = 300
	rev := h.pushShoots("s%03d", shoots)

	c, err := client.New(h.countedConfig(), client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	// Called directly, so each pass is one Reconcile; the Fleet is read
	// through the same counting client here, where the daemon reads it from
	// its cache.
	r := h.directReconciler(c, c)
	pass := func() *v1alpha1.Fleet {
		t.Helper()
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: h.key}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		return h.fleet(NewWithT(t))
	}
	h.reconcileUntilApplied(ctx, t, r, rev)
	// Until Gardener (the simulator) is done with the new shoots, passes see
	// their status change.
	h.eventually(t, func(g Gomega) {
		before := h.fleet(g)
		after := pass()
		g.Expect(after.ResourceVersion).To(Equal(before.ResourceVersion), "status still changing")
		g.Expect(after.Status.ShootsUpToDate).To(BeEquivalentTo(shoots))
	})

	h.counter.take()
	pass()
	var got []string
	for _, r := range h.counter.take() {
		// The read of the Fleet itself, which the daemon serves from its cache.
		if r == "GET /apis/gardenfleet.dev/v1alpha1/namespaces/"+h.ns+"/fleets/fleet" {
			continue
		}
		got = append(got, r)
	}
	sort.Strings(got)
	// 300 Shoots are two pages of 250 in each Shoot list.
	want := []string{
		"GET /apis/core.gardener.cloud/v1beta1/cloudprofiles/local", // plan: forecast of forced updates
		"GET /apis/core.gardener.cloud/v1beta1/projects",            // apply: no-op detection
		"GET /apis/core.gardener.cloud/v1beta1/shoots",              // apply: no-op detection, two pages
		"GET /apis/core.gardener.cloud/v1beta1/shoots",
		"GET /apis/core.gardener.cloud/v1beta1/shoots", // plan: live state, two pages
		"GET /apis/core.gardener.cloud/v1beta1/shoots",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests of a no-op pass (-want +got):\n%s", diff)
	}
	objects := shoots + 1
	if len(got)*50 >= objects {
		t.Errorf("a no-op pass over %d objects made %d requests, want fewer than %d:\n%s",
			objects, len(got), (objects+49)/50, strings.Join(got, "\n"))
	}
	t.Logf("no-op pass over %d objects: %d requests", objects, len(got))
}
