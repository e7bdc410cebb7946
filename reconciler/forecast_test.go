package reconciler

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func TestForcedUpdates(t *testing.T) {
	t.Parallel()
	// 1.33.9 expires in 5 days, 1.34.3 in 40; image debian 1.0.0 in 10.
	var spec gardencorev1beta1.CloudProfileSpec
	if err := yaml.Unmarshal([]byte(`
kubernetes:
  versions:
  - {version: 1.34.4}
  - {version: 1.34.3, expirationDate: "2027-01-10T00:00:00Z"}
  - {version: 1.33.9, expirationDate: "2026-12-06T00:00:00Z"}
machineImages:
- name: debian
  versions:
  - {version: 1.0.0, expirationDate: "2026-12-11T00:00:00Z"}
  - {version: 1.0.1}
`), &spec); err != nil {
		t.Fatal(err)
	}
	shootYAML := func(name, version, image string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		doc := `
apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata: {name: ` + name + `, namespace: garden-a, generation: 1}
spec:
  cloudProfile: {name: metal}
  kubernetes: {version: ` + version + `}
  maintenance: {timeWindow: {begin: "220000+0100", end: "230000+0100"}}
  provider: {workers: [{name: a, machine: {type: m, image: {name: debian, version: ` + image + `}}}]}
`
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		return u
	}
	catalogs := &catalogCache{byKey: map[string]catalogEntry{"CloudProfile//metal": {spec: &spec}}}
	item := func(name, version, image string, live bool) *shootItem {
		u := shootYAML(name, version, image)
		it := &shootItem{desired: clusters.Whole(u)[0]}
		if live {
			// As plan does: the profile of every live shoot is read.
			it.live = observeLiveShoot(u, time.Time{})
			it.profile = catalogs.entry(context.Background(), u)
		}
		return it
	}
	sc := &scope{now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), shoots: []*shootItem{
		item("old", "1.33.9", "1.0.1", true),   // its control plane expires
		item("image", "1.34.3", "1.0.0", true), // its pool's image expires
		item("fine", "1.34.3", "1.0.1", true),  // 1.34.3 expires after 30 days
		item("new", "1.33.9", "1.0.0", false),  // not created yet
	}}
	if got := forcedUpdates(sc); got != 2 {
		t.Errorf("forcedUpdates = %d, want 2", got)
	}
}
