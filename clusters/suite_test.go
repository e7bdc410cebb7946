package clusters

import (
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/hack/simulator"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

// env is the garden cluster shared by the envtest tests of this package; nil
// when the binaries are missing outside CI.
var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, testenv.Options{
		// Operations end on the next look, so Wait tests do not sleep.
		Simulator: simulator.Options{Clock: clock.RealClock{}, Resync: time.Second},
	}))
}

// requireEnv returns the envtest environment or skips the test.
func requireEnv(t testing.TB) *testenv.Env {
	t.Helper()
	return testenv.Require(t, env)
}

// requestCounter counts the API requests made through a client.
type requestCounter struct {
	mu       sync.Mutex
	requests []string
}

func (c *requestCounter) RoundTrip(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.mu.Lock()
		c.requests = append(c.requests, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
		return rt.RoundTrip(r)
	})
}

// take returns the requests counted since the last take, without API
// discovery: a client discovers once, not per apply.
func (c *requestCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var r []string
	for _, req := range c.requests {
		if !isDiscovery(req) {
			r = append(r, req)
		}
	}
	c.requests = nil
	return r
}

// isDiscovery matches GET /api, /api/v1, /apis and /apis/<group>/<version>.
func isDiscovery(req string) bool {
	path, ok := strings.CutPrefix(req, "GET ")
	if !ok {
		return false
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch parts[0] {
	case "api":
		return len(parts) <= 2
	case "apis":
		return len(parts) <= 3
	}
	return false
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// newManager returns a Manager for a fresh fleet on env, and the counter of
// its requests.
func newManager(t testing.TB, e *testenv.Env) (*Manager, *requestCounter) {
	t.Helper()
	counter := &requestCounter{}
	cfg := rest.CopyConfig(e.Config)
	cfg.Wrap(counter.RoundTrip)
	c, err := client.New(cfg, client.Options{Scheme: e.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return NewManager(c, Owner{Name: "fleet-" + utilrand.String(6), Namespace: "gardenfleet-system"}), counter
}

// fleetObjects reads testdata/fleet.yaml for a test: shoots and the project
// in namespace ns, the rest in labs-<suffix>.
func fleetObjects(t *testing.T, ns, suffix string) []*unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile("testdata/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "NAMESPACE", ns)
	s = strings.ReplaceAll(s, "SUFFIX", suffix)
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(s, "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatalf("parse testdata/fleet.yaml: %v", err)
		}
		objs = append(objs, u)
	}
	return objs
}

// entries renders a change set as "Kind/ns/name action" lines for go-cmp.
func entries(cs *ChangeSet) []string {
	if cs == nil {
		return nil
	}
	var out []string
	for _, e := range cs.Entries {
		out = append(out, e.String())
	}
	return out
}

// byKind picks the objects of a kind.
func byKind(objs []*unstructured.Unstructured, kinds ...string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		for _, k := range kinds {
			if o.GetKind() == k {
				out = append(out, o)
			}
		}
	}
	return out
}

func without(objs []*unstructured.Unstructured, kind, name string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != kind || o.GetName() != name {
			out = append(out, o)
		}
	}
	return out
}

func clientKey(u *unstructured.Unstructured) client.ObjectKey { return client.ObjectKeyFromObject(u) }

func deepCopies(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		out[i] = o.DeepCopy()
	}
	return out
}

// projectNamespace names the namespace of a fresh project for a test whose
// fleet (testdata/fleet.yaml) brings the Project: the simulator, playing
// Gardener's project controller, makes the namespace and its credentials.
func projectNamespace() string { return "garden-" + utilrand.String(6) }
