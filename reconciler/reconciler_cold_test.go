package reconciler

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestColdPassThroughACachedClient creates a fleet's Shoots through a
// client with a cache, as the daemon's manager hands it out: the plan and
// the apply find out which Shoots exist with lists, not with a get answered
// 404 per Shoot (a manager's cache answered the apply's metadata-only list
// with one page and refused the next).
func TestColdPassThroughACachedClient(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	const shoots = 40 // above clusters' ExistenceListThreshold
	fl := newFleet()
	for i := range shoots {
		fl.shoot(fmt.Sprintf("c%02d", i), "1.36.4", "")
	}
	rev := h.push(fl.files())
	h.createFleet()

	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(h.counter.RoundTrip)
	cached, err := cache.New(cfg, cache.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = cached.Start(ctx) }()
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme, Cache: &client.CacheOptions{Reader: cached}})
	if err != nil {
		t.Fatal(err)
	}
	direct, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r := NewFleetReconciler(c, direct, h.events, metrics, h.reconcilerOptions())

	h.counter.take()
	// The first passes fail until the simulator created the project's
	// namespace.
	h.eventually(t, func(g Gomega) {
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: h.key})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(h.fleet(g).Status.LastAppliedRevision).To(Equal(rev))
	})
	oneShoot := regexp.MustCompile(`^GET /apis/core\.gardener\.cloud/v1beta1/namespaces/[^/]+/shoots/[^/]+$`)
	var gets []string
	for _, req := range h.counter.take() {
		if oneShoot.MatchString(req) {
			gets = append(gets, req)
		}
	}
	if len(gets) > 0 {
		t.Errorf("creating %d Shoots got %d of them one by one, want none:\n%v", shoots, len(gets), gets)
	}
}
