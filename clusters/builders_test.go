package clusters

import "github.com/gardenfleet/gardenfleet/gardener/shoot/shoottest"

// newShoot starts a Shoot for tests; only the fields a test names matter.
func newShoot(ns, name string) *shoottest.Builder { return shoottest.New(ns, name) }

// pool is a worker pool on the test machine type; empty versions are left out.
func pool(name, k8s, image string) shoottest.Pool {
	return shoottest.Pool{Name: name, Machine: "v1-small-x86", Version: k8s, ImageName: "debian", Image: image}
}

func ptr[T any](v T) *T { return &v }
