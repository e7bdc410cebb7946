package render_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

// hostileCase is an overlay that tries to reach the network or run a
// program. {srv} in its files stands for a loopback HTTP server's URL.
type hostileCase struct {
	name    string
	files   map[string]string
	wantErr string
}

const (
	refusedPath = `refused: not a file of the overlay (an overlay may only use its own files)`
	refusedPlug = `refused: an overlay may not configure kustomize plugins (their configurations can name programs, containers and remote files); use the kustomization's own fields`
	refusedHelm = `refused: an overlay may not inflate Helm charts (that runs helm)`
	refusedKind = `refused: an overlay may not produce gardenfleet's own objects (Fleets), Leases or Events, which the daemon may write`
	kfile       = "kustomize/kustomization.yaml: "
)

// krmFunction is a KRM function configuration running spec.
func krmFunction(spec string) string {
	return "apiVersion: example.com/v1\nkind: Fn\nmetadata:\n  name: fn\n  annotations:\n    config.kubernetes.io/function: |\n" + indent(spec, "      ")
}

var (
	krmExec      = krmFunction("exec:\n  path: git\n")
	krmContainer = krmFunction("container:\n  image: example.com/fn:latest\n  network: true\n")
)

func hostileCases() []hostileCase {
	k := func(s string) map[string]string { return map[string]string{"kustomization.yaml": s} }
	cases := []hostileCase{
		{"patches path URL", k("patches:\n- path: {srv}/p.yaml\n"), kfile + `patches[0].path: "{srv}/p.yaml" ` + refusedPath},
		{"patchesJson6902 path URL", k("patchesJson6902:\n- target: {kind: Project, name: a}\n  path: {srv}/p.json\n"), kfile + `patchesJson6902[0].path: "{srv}/p.json" ` + refusedPath},
		{"patchesStrategicMerge URL", k("patchesStrategicMerge:\n- {srv}/p.yaml\n"), kfile + `patchesStrategicMerge[0]: "{srv}/p.yaml" ` + refusedPath},
		{"configMapGenerator files URL", k("configMapGenerator:\n- name: c\n  files:\n  - {srv}/f\n"), kfile + `configMapGenerator[0].files[0]: "{srv}/f" ` + refusedPath},
		{"configMapGenerator keyed files URL", k("configMapGenerator:\n- name: c\n  files:\n  - key={srv}/f\n"), kfile + `configMapGenerator[0].files[0]: "{srv}/f" ` + refusedPath},
		{"configMapGenerator envs URL", k("configMapGenerator:\n- name: c\n  envs:\n  - {srv}/e\n"), kfile + `configMapGenerator[0].envs[0]: "{srv}/e" ` + refusedPath},
		{"configMapGenerator env URL", k("configMapGenerator:\n- name: c\n  env: {srv}/e\n"), kfile + `configMapGenerator[0].env: "{srv}/e" ` + refusedPath},
		{"secretGenerator files URL", k("secretGenerator:\n- name: s\n  files:\n  - {srv}/f\n"), kfile + `secretGenerator[0].files[0]: "{srv}/f" ` + refusedPath},
		{"openapi path URL", k("openapi:\n  path: {srv}/schema.json\n"), kfile + `openapi.path: "{srv}/schema.json" ` + refusedPath},
		{"crds URL", k("crds:\n- {srv}/crd.yaml\n"), kfile + `crds[0]: "{srv}/crd.yaml" ` + refusedPath},
		{"configurations URL", k("configurations:\n- {srv}/c.yaml\n"), kfile + `configurations[0]: "{srv}/c.yaml" ` + refusedPath},
		{"replacements path URL", k("replacements:\n- path: {srv}/r.yaml\n"), kfile + `replacements[0].path: "{srv}/r.yaml" ` + refusedPath},
		{"transformers URL", k("transformers:\n- {srv}/t.yaml\n"), kfile + `transformers: ` + refusedPlug},
		{"generators URL", k("generators:\n- {srv}/g.yaml\n"), kfile + `generators: ` + refusedPlug},
		{"validators URL", k("validators:\n- {srv}/v.yaml\n"), kfile + `validators: ` + refusedPlug},
		{"transformers KRM function exec", map[string]string{"kustomization.yaml": "transformers:\n- fn.yaml\n", "fn.yaml": krmExec}, kfile + `transformers: ` + refusedPlug},
		{"generators KRM function container", map[string]string{"kustomization.yaml": "generators:\n- fn.yaml\n", "fn.yaml": krmContainer}, kfile + `generators: ` + refusedPlug},
		{"inline transformer KRM function", k("transformers:\n- |\n" + indent(krmExec, "  ")), kfile + `transformers: ` + refusedPlug},
		{"helmCharts", k("helmCharts:\n- name: x\n  repo: {srv}\n  version: 1.0.0\n"), kfile + `helmCharts: ` + refusedHelm},
		{"helmGlobals", k("helmGlobals:\n  chartHome: charts\n"), kfile + `helmGlobals: ` + refusedHelm},
		{"helmChartInflationGenerator", k("helmChartInflationGenerator:\n- chartName: x\n  chartRepoUrl: {srv}\n"), kfile + `helmChartInflationGenerator: ` + refusedHelm},
		{"resources https URL", k("resources:\n- {srv}/r.yaml\n"), kfile + `resources[0]: "{srv}/r.yaml" ` + refusedPath},
		{"resources https GitHub URL", k("resources:\n- https://github.com/org/repo//base?ref=main\n"), kfile + `resources[0]: "https://github.com/org/repo//base?ref=main" ` + refusedPath},
		{"nested component with a remote patch", map[string]string{
			"kustomization.yaml":      "components:\n- comp\n",
			"comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: {srv}/p.yaml\n",
		}, `kustomize/comp/kustomization.yaml: patches[0].path: "{srv}/p.yaml" ` + refusedPath},
		{"path outside the overlay", k("resources:\n- ../fleet.cue\n"), kfile + `resources[0]: "../fleet.cue" ` + refusedPath},
		{"absolute path", k("resources:\n- /etc/passwd\n"), kfile + `resources[0]: "/etc/passwd" ` + refusedPath},
		// The daemon may write Fleets and Leases: no overlay may.
		{"a Fleet of the overlay's own", map[string]string{
			"kustomization.yaml": "resources:\n- fleet.yaml\n",
			"fleet.yaml":         "apiVersion: gardenfleet.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: production\n  namespace: gardenfleet-system\nspec:\n  deletionGuard: {allowShootDeletion: true, maxShootPercent: 100}\n",
		}, kfile + `gardenfleet.dev/v1alpha1 Fleet "production": ` + refusedKind},
		{"a Lease of the overlay's own", map[string]string{
			"kustomization.yaml": "resources:\n- lease.yaml\n",
			"lease.yaml":         "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: gardenfleet\n  namespace: gardenfleet-system\nspec:\n  holderIdentity: pwned\n",
		}, kfile + `coordination.k8s.io/v1 Lease "gardenfleet": ` + refusedKind},
		{"an Event of the overlay's own", map[string]string{
			"kustomization.yaml": "resources:\n- event.yaml\n",
			"event.yaml":         "apiVersion: v1\nkind: Event\nmetadata:\n  name: forged\n  namespace: gardenfleet-system\nreason: Applied\n",
		}, kfile + `v1 Event "forged": ` + refusedKind},
		{"a Project patched into a Fleet", k("patches:\n- target: {kind: Project}\n  patch: |\n    - op: replace\n      path: /apiVersion\n      value: gardenfleet.dev/v1alpha1\n    - op: replace\n      path: /kind\n      value: Fleet\n"),
			kfile + `gardenfleet.dev/v1alpha1 Fleet "a": ` + refusedKind},
	}
	for _, spelling := range []string{"git::github.com/org/repo", "github.com:org/repo", "GITHUB.COM/org/repo", "user@host:repo", "ssh://git@github.com/org/repo"} {
		for _, field := range []string{"resources", "bases", "components"} {
			cases = append(cases, hostileCase{
				name:    field + " " + spelling,
				files:   k(field + ":\n- " + spelling + "\n"),
				wantErr: fmt.Sprintf(`%s%s[0]: %q %s`, kfile, field, spelling, refusedPath),
			})
		}
	}
	return cases
}

func indent(s, pad string) string {
	return pad + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+pad) + "\n"
}

// tripwires count requests to a loopback server and to an HTTP proxy, and
// put fake `git` and `helm` first on PATH that leave a marker when run.
type tripwires struct {
	srv         *httptest.Server
	hits        atomic.Int64
	proxiedBase int64
	markers     string
}

// proxied counts requests to the HTTP proxy that TestMain puts in the
// environment: net/http reads the proxy variables once per process.
var proxied atomic.Int64

func TestMain(m *testing.M) {
	proxy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		http.Error(rw, "no", http.StatusBadGateway)
	}))
	for _, v := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} {
		os.Setenv(v, proxy.URL)
	}
	os.Unsetenv("NO_PROXY")
	os.Unsetenv("no_proxy")
	code := m.Run()
	proxy.Close()
	os.Exit(code)
}

type setenver interface {
	Setenv(key, value string)
	TempDir() string
	Cleanup(func())
	Helper()
}

func newTripwires(t setenver) *tripwires {
	t.Helper()
	w := &tripwires{markers: t.TempDir(), proxiedBase: proxied.Load()}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.hits.Add(1)
		fmt.Fprint(rw, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\n")
	}))
	t.Cleanup(w.srv.Close)
	bin := t.TempDir()
	for _, prog := range []string{"git", "helm", "helmV3"} {
		script := fmt.Sprintf("#!/bin/sh\necho \"$0 $*\" > %q\nexit 1\n", filepath.Join(w.markers, prog))
		if err := os.WriteFile(filepath.Join(bin, prog), []byte(script), 0o755); err != nil {
			panic(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return w
}

// check reports any request or program run since the tripwires were set.
func (w *tripwires) check() error {
	var errs []error
	if n := w.hits.Load(); n != 0 {
		errs = append(errs, fmt.Errorf("%d requests reached the loopback server", n))
	}
	if n := proxied.Load() - w.proxiedBase; n != 0 {
		errs = append(errs, fmt.Errorf("%d requests reached the proxy", n))
	}
	ents, _ := os.ReadDir(w.markers)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(w.markers, e.Name()))
		errs = append(errs, fmt.Errorf("a program ran: %s", strings.TrimSpace(string(b))))
	}
	return errors.Join(errs...)
}

func overlayFleet(files map[string]string, srv string) *fleet.Fleet {
	o := &fleet.Overlay{Files: map[string][]byte{}}
	for k, v := range files {
		o.Files[k] = []byte(strings.ReplaceAll(v, "{srv}", srv))
	}
	return &fleet.Fleet{Projects: []fleet.Project{{Name: "a", Namespace: "garden-a"}}, Overlay: o}
}

func TestHostileOverlay(t *testing.T) {
	w := newTripwires(t)
	for _, tt := range hostileCases() {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render.Fleet(overlayFleet(tt.files, w.srv.URL))
			want := strings.ReplaceAll(tt.wantErr, "{srv}", w.srv.URL)
			var oe *render.OverlayError
			if err == nil || err.Error() != want || !errors.As(err, &oe) {
				t.Errorf("error = %v, want OverlayError %q", err, want)
			}
			if err := w.check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A directory spelled like a remote repository is the overlay's own.
func TestOverlayLocalDirSpelledRemote(t *testing.T) {
	w := newTripwires(t)
	res, err := render.Fleet(overlayFleet(map[string]string{
		"kustomization.yaml":                     "resources:\n- github.com/org/repo\n- GITHUB.COM/org/repo\n",
		"github.com/org/repo/kustomization.yaml": "resources:\n- cm.yaml\n",
		"github.com/org/repo/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gh\n",
		"GITHUB.COM/org/repo/kustomization.yaml": "resources:\n- cm.yaml\n",
		"GITHUB.COM/org/repo/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: upper\n",
	}, w.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range res.Objects {
		names = append(names, o.GetKind()+"/"+o.GetName())
	}
	if got, want := strings.Join(names, " "), "Project/a ConfigMap/gh ConfigMap/upper"; got != want {
		t.Errorf("objects = %s, want %s", got, want)
	}
	if err := w.check(); err != nil {
		t.Fatal(err)
	}
}

func FuzzOverlay(f *testing.F) {
	w := newTripwires(f)
	for _, tt := range hostileCases() {
		f.Add(tt.files["kustomization.yaml"], tt.files["fn.yaml"])
	}
	f.Add("patches:\n- path: patch.yaml\n", "apiVersion: core.gardener.cloud/v1beta1\nkind: Project\nmetadata:\n  name: a\n  labels: {patched: \"yes\"}\n")
	f.Add("patchesStrategicMerge:\n- patch.yaml\n", "apiVersion: core.gardener.cloud/v1beta1\nkind: Project\nmetadata:\n  name: a\n  annotations: {\"\": x}\n")
	f.Add("resources:\n- patch.yaml\n", "- {srv}/p.yaml\n")
	f.Fuzz(func(t *testing.T, kustomization, patch string) {
		files := map[string]string{"kustomization.yaml": kustomization, "patch.yaml": patch, "fn.yaml": patch}
		// An error is fine; a panic, a request or a program run is not.
		_, _ = render.Fleet(overlayFleet(files, w.srv.URL))
		if err := w.check(); err != nil {
			t.Fatal(err)
		}
	})
}
