package reconciler

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// TestShards runs two daemons with disjoint Fleet selectors on one garden:
// each reconciles its own Fleets only, a Fleet neither selects is never
// touched, and a Fleet labelled into the other shard moves there.
//
// The daemons' caches are not filtered (serve filters them too), so the
// reconciler's own check is what is tested.
func TestShards(t *testing.T) {
	t.Parallel()
	a, b, none := newHarness(t), newHarness(t), newHarness(t)
	ctx := context.Background()
	// One namespace, watched by both daemons, holds the three Fleets; each
	// Fleet keeps its own repository and project.
	ns := a.ns
	for h, name := range map[*harness]string{a: "fleet-a", b: "fleet-b", none: "fleet-c"} {
		h.ns, h.key = ns, types.NamespacedName{Namespace: ns, Name: name}
	}
	revs := map[*harness]string{}
	for h, shard := range map[*harness]string{a: "a", b: "b", none: "c"} {
		fl := newFleet()
		fl.shoot("s", "1.36.4", "")
		revs[h] = h.push(fl.files())
		h.createFleet(func(f *v1alpha1.Fleet) { f.Labels = map[string]string{"shard": shard} })
	}
	withSelector := func(h *harness, sel string) Options {
		opts := h.reconcilerOptions()
		var err error
		if opts.FleetSelector, err = labels.Parse(sel); err != nil {
			t.Fatal(err)
		}
		return opts
	}
	a.startWith(withSelector(a, "shard=a"))
	b.startWith(withSelector(b, "shard=b"))

	// requests returns the daemon's requests so far that touch path.
	var seenA, seenB []string
	requests := func(seen *[]string, h *harness, path string) []string {
		*seen = append(*seen, h.counter.take()...)
		return slices.DeleteFunc(slices.Clone(*seen), func(r string) bool { return !strings.Contains(r, path) })
	}
	statusOf := func(name string) string { return "/namespaces/" + ns + "/fleets/" + name + "/status" }
	shootsOf := func(h *harness) string { return "/namespaces/" + h.shootNamespace() + "/shoots/" }

	t.Run("each daemon reconciles its own Fleets", func(t *testing.T) {
		a.eventually(t, func(g Gomega) { readyAt(g, a.fleet(g), revs[a]) })
		b.eventually(t, func(g Gomega) { readyAt(g, b.fleet(g), revs[b]) })
		for _, tt := range []struct {
			name    string
			seen    *[]string
			h       *harness
			own     *harness
			foreign []*harness
		}{
			{"daemon a", &seenA, a, a, []*harness{b, none}},
			{"daemon b", &seenB, b, b, []*harness{a, none}},
		} {
			if got := requests(tt.seen, tt.h, statusOf(tt.own.key.Name)); len(got) == 0 {
				t.Errorf("%s wrote no status of %s", tt.name, tt.own.key.Name)
			}
			if got := requests(tt.seen, tt.h, shootsOf(tt.own)); len(got) == 0 {
				t.Errorf("%s applied no shoot of %s", tt.name, tt.own.key.Name)
			}
			for _, f := range tt.foreign {
				if got := requests(tt.seen, tt.h, statusOf(f.key.Name)); len(got) > 0 {
					t.Errorf("%s wrote the status of %s: %q", tt.name, f.key.Name, got)
				}
				if got := requests(tt.seen, tt.h, shootsOf(f)); len(got) > 0 {
					t.Errorf("%s touched the shoots of %s: %q", tt.name, f.key.Name, got)
				}
			}
		}
	})

	t.Run("a Fleet no daemon selects is never reconciled", func(t *testing.T) {
		// Both daemons have passed over their Fleets; the third is still as
		// created: no status, no shoot.
		NewWithT(t).Consistently(func(g Gomega) {
			f := none.fleet(g)
			g.Expect(f.Status.Conditions).To(BeEmpty())
			g.Expect(f.Status.ObservedGeneration).To(BeZero())
		}).WithTimeout(2 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
		if none.shoot("s") != nil {
			t.Error("a shoot of the unselected Fleet was applied")
		}
	})

	t.Run("a Fleet labelled into the other shard moves there", func(t *testing.T) {
		patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"shard":"b"}}}`))
		if err := env.Client.Patch(ctx, a.fleet(NewWithT(t)), patch); err != nil {
			t.Fatal(err)
		}
		fl := newFleet()
		fl.shoot("s", "1.36.4", "").with(`labels: moved: "yes"`)
		rev := a.push(fl.files())
		a.eventually(t, func(g Gomega) { readyAt(g, a.fleet(g), rev) })
		if got := requests(&seenB, b, shootsOf(a)); len(got) == 0 {
			t.Errorf("daemon b did not apply the moved Fleet's revision")
		}
		if got := requests(&seenB, b, statusOf(a.key.Name)); len(got) == 0 {
			t.Errorf("daemon b wrote no status of the moved Fleet")
		}
	})
}
