package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// cachedFleet reads one Fleet as the manager's cache does with
// UnsafeDisableDeepCopy: the stored object itself, no copy. The fake client
// would measure its own JSON round trip of 10,000 shoots instead (about
// 0.2 to 0.6 s a request here).
type cachedFleet struct {
	client.Reader
	f *v1alpha1.Fleet
}

func (c cachedFleet) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	if key != client.ObjectKeyFromObject(c.f) {
		return apierrors.NewNotFound(v1alpha1.GroupVersion.WithResource("fleets").GroupResource(), key.Name)
	}
	*obj.(*v1alpha1.Fleet) = *c.f
	return nil
}

func (c cachedFleet) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	list.(*v1alpha1.FleetList).Items = []v1alpha1.Fleet{*c.f}
	return nil
}

// BenchmarkEndpoints serves each endpoint of a Fleet of 10,000 shoots
// (go test -run '^$' -bench Endpoints -benchmem ./dashboard/) and reports
// the size of the JSON answer.
func BenchmarkEndpoints(b *testing.B) {
	// As the reconciler leaves it: the status lists 100, the view has all.
	f := manyShoots(10000)
	f.Status.Shoots = f.Status.Shoots[:v1alpha1.MaxListedShoots]
	h := NewServer(Options{Fleets: cachedFleet{f: f}, Shoots: view{key: client.ObjectKeyFromObject(f), shoots: allShoots(10000)}})
	for _, bc := range []struct{ name, path string }{
		{"fleets", "/api/fleets"},
		{"fleet", "/api/fleets/fleets/big"},
		{"shoots page", "/api/fleets/fleets/big/shoots"},
		{"shoots filtered", "/api/fleets/fleets/big/shoots?phase=Stalled&project=p04&page=3"},
		{"shoots by wave", "/api/fleets/fleets/big/shoots?wave=canary&page=3"},
		{"shoots max page", "/api/fleets/fleets/big/shoots?size=500"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, bc.path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "json-bytes")
		})
	}
}
