package dashboard

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// newTestServer serves objs through controller-runtime's in-memory client on
// a real loopback listener.
func newTestServer(t *testing.T, opts Options, objs ...client.Object) *httptest.Server {
	t.Helper()
	c := fake.NewClientBuilder().WithScheme(testScheme()).WithObjects(objs...).Build()
	opts.Fleets, opts.Topologies = c, c
	srv := httptest.NewServer(NewServer(opts))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

func TestFleetsEndpoint(t *testing.T) {
	t.Parallel()
	// Ten minutes after canary finished, 20 minutes of its bake time are left.
	now := func() time.Time { return t0.Add(10 * time.Minute) }
	srv := newTestServer(t, Options{Now: now}, midUpgrade("fleets", "prod", 1200), topology("labs", "dc1"))
	code, body := get(t, srv.URL+"/api/fleets")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	at, bake := t0, t0.Add(30*time.Minute)
	want := []Fleet{{
		Namespace: "fleets", Name: "prod",
		Source:          Source{URL: "https://redacted@git.example/fleet.git", Ref: "tag v2", Path: "prod"},
		AppliedRevision: "v2@sha1:aaaa", AttemptedRevision: "v3@sha1:bbbb",
		Conditions: []Condition{{Type: "Ready", Status: "False", Reason: "BuildFailed",
			Message: "load fleet: shoots.prod.kubernetes: conflicting values: prod/shoots.cue:12:5", Since: t0}},
		LastError: &LastError{Reason: "BuildFailed", Position: "prod/shoots.cue:12:5",
			Message: "load fleet: shoots.prod.kubernetes: conflicting values: prod/shoots.cue:12:5"},
		// 1,200 UpToDate shoots are counted, not listed.
		Phases: map[string]int{"Stalled": 1, "Upgrading": 1, "Waiting": 1, "Held": 1, "UpToDate": 1200},
		Shoots: 1204,
		// Each wave's shoots counted by phase; the last is the shoots of no wave.
		Waves: []Wave{
			{Name: "canary", Phase: "Done", CompletedAt: &at, BakeUntil: &bake, BakeLeft: 1200, Shoots: 1200,
				Phases: map[string]int{"Stalled": 0, "Upgrading": 0, "Waiting": 0, "Held": 0, "UpToDate": 1200}},
			{Name: "prod", Phase: "Upgrading", Shoots: 2,
				Phases: map[string]int{"Stalled": 1, "Upgrading": 1, "Waiting": 0, "Held": 0, "UpToDate": 0}},
			{Name: "", Phase: "Pending", Shoots: 2,
				Phases: map[string]int{"Stalled": 0, "Upgrading": 0, "Waiting": 1, "Held": 1, "UpToDate": 0}},
		},
		Labs: 1,
	}}
	if diff := cmp.Diff(want, decode[[]Fleet](t, body)); diff != "" {
		t.Errorf("fleets (-want +got):\n%s", diff)
	}
}

func TestFleetEndpoint(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{}, midUpgrade("fleets", "prod", 0))
	code, body := get(t, srv.URL+"/api/fleets/fleets/prod")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	if got := decode[FleetDetail](t, body).Projects; !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("projects = %q, want [a b]", got)
	}
}

func names(p ShootPage) []string {
	var out []string
	for _, s := range p.Items {
		out = append(out, s.Namespace+"/"+s.Name)
	}
	return out
}

func TestShootsEndpoint(t *testing.T) {
	t.Parallel()
	// fleets/full has 10,000 shoots; its status lists none, the reconciler's view all.
	full := midUpgrade("fleets", "full", 0)
	full.Status.Shoots, full.Status.ShootsNotListed = nil, 4
	full.Status.ShootCounts = &v1alpha1.ShootCounts{Total: 10000, Stalled: 2500, Upgrading: 7500}
	opts := Options{Shoots: view{key: types.NamespacedName{Namespace: "fleets", Name: "full"}, shoots: allShoots(10000)}}
	srv := newTestServer(t, opts, midUpgrade("fleets", "prod", 7), manyShoots(10000), full)
	tests := []struct {
		name     string
		path     string
		code     int
		want     []string
		total    int
		pages    int
		unlisted int
		all      bool
		wantErr  string
	}{
		// Most urgent first, then by namespace and name.
		{name: "all", path: "/api/fleets/fleets/prod/shoots",
			want: []string{"garden-a/s2", "garden-a/s1", "garden-b/s4", "garden-b/s3"}, total: 4, pages: 1, unlisted: 7},
		{name: "second page", path: "/api/fleets/fleets/prod/shoots?page=2&size=3",
			want: []string{"garden-b/s3"}, total: 4, pages: 2, unlisted: 7},
		{name: "past the last page", path: "/api/fleets/fleets/prod/shoots?page=9&size=3", total: 4, pages: 2, unlisted: 7},
		{name: "by phase", path: "/api/fleets/fleets/prod/shoots?phase=Held",
			want: []string{"garden-b/s3"}, total: 1, pages: 1},
		{name: "by project", path: "/api/fleets/fleets/prod/shoots?project=a",
			want: []string{"garden-a/s2", "garden-a/s1"}, total: 2, pages: 1, unlisted: 7},
		{name: "by text in the message", path: "/api/fleets/fleets/prod/shoots?q=reconcile+error",
			want: []string{"garden-a/s2"}, total: 1, pages: 1, unlisted: 7},
		{name: "by wave", path: "/api/fleets/fleets/prod/shoots?wave=prod",
			want: []string{"garden-a/s2", "garden-a/s1"}, total: 2, pages: 1, unlisted: 7},
		{name: "of no wave", path: "/api/fleets/fleets/prod/shoots?wave=",
			want: []string{"garden-b/s4", "garden-b/s3"}, total: 2, pages: 1, unlisted: 7},
		{name: "10,000 shoots, one page", path: "/api/fleets/fleets/big/shoots?phase=Stalled&project=p04&page=2&size=2",
			want: []string{"garden-p04/shoot-00044", "garden-p04/shoot-00064"}, total: 500, pages: 250},

		// Every shoot from the reconciler's view, none from the status.
		{name: "view, one page", path: "/api/fleets/fleets/full/shoots?phase=Upgrading&page=2&size=2",
			want: []string{"garden-p01/shoot-00041", "garden-p01/shoot-00061"}, total: 7500, pages: 3750, all: true},
		{name: "view, by wave", path: "/api/fleets/fleets/full/shoots?wave=canary&project=p10&size=2", // p10 is all canary
			want: []string{"garden-p10/shoot-00010", "garden-p10/shoot-00030"}, total: 500, pages: 250, all: true},

		// Refusals.
		{name: "unknown phase", path: "/api/fleets/fleets/prod/shoots?phase=Broken", code: 400,
			wantErr: `phase "Broken": want one of Stalled, Upgrading, Waiting, Held, UpToDate`},
		{name: "page zero", path: "/api/fleets/fleets/prod/shoots?page=0", code: 400,
			wantErr: `page "0": want a number from 1 to 1073741824`},
		{name: "page too large", path: "/api/fleets/fleets/prod/shoots?size=501", code: 400,
			wantErr: `size "501": want a number from 1 to 500`},
		{name: "no such fleet", path: "/api/fleets/fleets/nope/shoots", code: 404,
			wantErr: `fleet fleets/nope not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, body := get(t, srv.URL+tt.path)
			if tt.code == 0 {
				tt.code = http.StatusOK
			}
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, body)
			}
			if tt.wantErr != "" {
				if got := decode[map[string]string](t, body)["error"]; got != tt.wantErr {
					t.Errorf("error = %q, want %q", got, tt.wantErr)
				}
				return
			}
			p := decode[ShootPage](t, body)
			if diff := cmp.Diff(tt.want, names(p)); diff != "" {
				t.Errorf("shoots (-want +got):\n%s", diff)
			}
			if p.Total != tt.total || p.Pages != tt.pages || p.Unlisted != tt.unlisted || p.All != tt.all {
				t.Errorf("total, pages, unlisted, all = %d, %d, %d, %t; want %d, %d, %d, %t",
					p.Total, p.Pages, p.Unlisted, p.All, tt.total, tt.pages, tt.unlisted, tt.all)
			}
		})
	}
}

func TestShootFields(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{}, midUpgrade("fleets", "prod", 0))
	_, body := get(t, srv.URL+"/api/fleets/fleets/prod/shoots?phase=Upgrading")
	at := t0
	want := []Shoot{{Namespace: "garden-a", Name: "s1", Project: "a", Phase: "Upgrading", Reason: "StepApplied",
		Message: "step 1/2: step in progress: Reconcile Processing 40%", ControlPlane: "1.34.8",
		Pools: map[string]string{"a": "1.34.8"}, Target: "control plane 1.35.6, pool a 1.35.6",
		Step: 1, Steps: 2, StepSince: &at, Wave: "prod", Operation: &Operation{Type: "Reconcile", State: "Processing"}}}
	if diff := cmp.Diff(want, decode[ShootPage](t, body).Items); diff != "" {
		t.Errorf("shoot (-want +got):\n%s", diff)
	}
	_, body = get(t, srv.URL+"/api/fleets/fleets/prod/shoots?phase=Held")
	if s := decode[ShootPage](t, body).Items[0]; !s.Hibernated || s.Steps != 2 {
		t.Errorf("held shoot: hibernated %t, steps %d; want true, 2", s.Hibernated, s.Steps)
	}
}

// TestFleetProjects: the project filter offers the projects of every shoot
// when the reconciler's view has them, else those of the listed shoots.
func TestFleetProjects(t *testing.T) {
	t.Parallel()
	full := midUpgrade("fleets", "full", 0)
	opts := Options{Shoots: view{key: types.NamespacedName{Namespace: "fleets", Name: "full"}, shoots: allShoots(40)}}
	srv := newTestServer(t, opts, full, midUpgrade("fleets", "prod", 0))
	_, body := get(t, srv.URL+"/api/fleets/fleets/full")
	if got := decode[FleetDetail](t, body).Projects; len(got) != 20 || got[0] != "p00" {
		t.Errorf("projects = %q, want p00 to p19", got)
	}
	_, body = get(t, srv.URL+"/api/fleets/fleets/prod")
	if got := decode[FleetDetail](t, body).Projects; !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("projects = %q, want [a b]", got)
	}
}

// TestOlderStatus reads a status written before counts, waves' counts and
// the hibernated flag: the listed shoots are counted and UpToDate ones added.
func TestOlderStatus(t *testing.T) {
	t.Parallel()
	f := midUpgrade("fleets", "old", 5)
	f.Status.ShootCounts = nil
	for i := range f.Status.Shoots {
		f.Status.Shoots[i].Hibernated = false
	}
	for i := range f.Status.Waves {
		f.Status.Waves[i].Shoots = nil
	}
	srv := newTestServer(t, Options{}, f)
	_, body := get(t, srv.URL+"/api/fleets")
	got := decode[[]Fleet](t, body)[0]
	want := map[string]int{"Stalled": 1, "Upgrading": 1, "Waiting": 1, "Held": 1, "UpToDate": 5}
	if diff := cmp.Diff(want, got.Phases); diff != "" || got.Shoots != 9 || got.Waves[0].Shoots != 0 {
		t.Errorf("phases (-want +got):\n%s shoots %d, want 9; first wave %d, want 0", diff, got.Shoots, got.Waves[0].Shoots)
	}
	_, body = get(t, srv.URL+"/api/fleets/fleets/old/shoots?phase=Held")
	if s := decode[ShootPage](t, body).Items[0]; !s.Hibernated {
		t.Errorf("held shoot of an older status: hibernated %t, want true", s.Hibernated)
	}
}

func TestLabsEndpoint(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{}, midUpgrade("fleets", "prod", 0), topology("labs", "dc1"))
	code, body := get(t, srv.URL+"/api/fleets/fleets/prod/labs")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	want := []Lab{{Namespace: "labs", Name: "dc1",
		Nodes: []Node{{Name: "leaf1", Kind: "nokia_srlinux"}, {Name: "leaf2", Kind: "nokia_srlinux"}, {Name: "spine1", Kind: "nokia_srlinux"}},
		Links: []Link{{A: "leaf1:e1-1", B: "spine1:e1-1"}, {A: "leaf2:e1-1", B: "spine1:e1-2"}}}}
	if diff := cmp.Diff(want, decode[[]Lab](t, body)); diff != "" {
		t.Errorf("labs (-want +got):\n%s", diff)
	}
}

func TestLabMissing(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{}, midUpgrade("fleets", "prod", 0))
	_, body := get(t, srv.URL+"/api/fleets/fleets/prod/labs")
	labs := decode[[]Lab](t, body)
	if len(labs) != 1 || !strings.HasPrefix(labs[0].Error, "read Topology labs/dc1: ") {
		t.Errorf("labs = %+v, want one naming the Topology it could not read", labs)
	}
}

// TestNoSecrets reads every endpoint and looks for what only a Secret, a
// credentials reference or a lab node's environment holds.
func TestNoSecrets(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{}, midUpgrade("fleets", "prod", 0), topology("labs", "dc1"))
	for _, path := range []string{"/api/fleets", "/api/fleets/fleets/prod", "/api/fleets/fleets/prod/shoots", "/api/fleets/fleets/prod/labs"} {
		_, body := get(t, srv.URL+path)
		for _, secret := range []string{"SECRET", "x-access-token", "secretRef", "git-credentials", "pgp-keys", "PASSWORD", "env"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q:\n%s", path, secret, body)
			}
		}
	}
}

func TestNamespaceLimit(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{Namespace: "fleets"}, midUpgrade("fleets", "prod", 0), midUpgrade("other", "prod", 0))
	_, body := get(t, srv.URL+"/api/fleets")
	if got := decode[[]Fleet](t, body); len(got) != 1 || got[0].Namespace != "fleets" {
		t.Errorf("fleets = %+v, want only fleets/prod", got)
	}
	if code, _ := get(t, srv.URL+"/api/fleets/other/prod"); code != http.StatusNotFound {
		t.Errorf("other/prod: status %d, want 404", code)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://git.example/fleet.git", "https://git.example/fleet.git"},
		{"https://ghp_token@git.example/fleet.git", "https://redacted@git.example/fleet.git"},
		{"ssh://git:hunter2@git.example/fleet.git", "ssh://git@git.example/fleet.git"},
		{"ssh://git@git.example/fleet.git", "ssh://git@git.example/fleet.git"},
		{"git@git.example:fleet.git", "git@git.example:fleet.git"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAssetsAreServed(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	for _, path := range []string{"/", "/app.js", "/style.css", "/vendor/cytoscape.min.js", "/vendor/LICENSE"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
	}
	resp, err := http.Post(srv.URL+"/api/fleets", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}
