package reconciler

import (
	"context"
	"regexp"
	"testing"

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
	rev := h.pushShoots("c%02d", shoots)

	cfg := h.countedConfig()
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
	r := h.directReconciler(c, direct)

	h.counter.take()
	h.reconcileUntilApplied(ctx, t, r, rev)
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
