package browser_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/dashboard"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

// serveDashboard runs the dashboard as serve does: a manager whose cache
// holds the Fleets, the Topologies read through its API reader.
func serveDashboard(t *testing.T, e *testenv.Env, ns string) string {
	t.Helper()
	mgr, err := ctrl.NewManager(e.Config, ctrl.Options{Scheme: e.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	srv := dashboard.NewServer(dashboard.Options{Fleets: mgr.GetClient(), Topologies: mgr.GetAPIReader(), Namespace: ns})
	if err := mgr.Add(&dashboard.Runnable{Addr: "127.0.0.1:0", Handler: srv, Started: func(a string) { addr <- a }}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager: %v", err)
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case err := <-done:
		t.Fatalf("manager stopped: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("dashboard not listening within a minute")
	}
	return ""
}

// rollout creates a Fleet mid-upgrade in ns and a lab it applied.
func rollout(ctx context.Context, t *testing.T, e *testenv.Env, ns string) *v1alpha1.Fleet {
	t.Helper()
	f := &v1alpha1.Fleet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "prod"},
		Spec: v1alpha1.FleetSpec{URL: "https://git.example/fleet.git", SecretRef: &v1alpha1.LocalObjectReference{Name: "git-credentials"}}}
	if err := e.Client.Create(ctx, f); err != nil {
		t.Fatal(err)
	}
	at := metav1.NewTime(time.Now().Add(-5 * time.Minute).Truncate(time.Second))
	f.Status = v1alpha1.FleetStatus{
		LastAppliedRevision: "main@sha1:aaaa", LastAttemptedRevision: "main@sha1:bbbb",
		Conditions: []metav1.Condition{{Type: meta.ReadyCondition, Status: metav1.ConditionFalse, Reason: meta.BuildFailedReason,
			Message: "load fleet: conflicting values: prod/shoots.cue:12:5", LastTransitionTime: at}},
		Inventory: &v1alpha1.ResourceInventory{Entries: []v1alpha1.ResourceRef{{ID: ns + "_dc1_clabernetes.containerlab.dev_Topology", Version: "v1alpha1"}}},
		Shoots: []v1alpha1.ShootStatus{
			{Name: "s1", Namespace: ns, Phase: v1alpha1.ShootUpgrading, Reason: "StepApplied", Message: "applying step 1/2: control plane 1.34.8 -> 1.35.6",
				ControlPlane: "1.34.8", Pools: map[string]string{"a": "1.34.8"}, Target: "control plane 1.35.6, pool a 1.35.6",
				CurrentStep: 1, StepsLeft: 1, StepStartedAt: &at, Wave: "prod", LastOperation: &v1alpha1.LastOperation{Type: "Reconcile", State: "Processing"}},
			{Name: "s2", Namespace: ns, Phase: v1alpha1.ShootStalled, Reason: "StepTimedOut",
				Message: "step not done 2h0m0s after it was applied: Reconcile Error 10%", ControlPlane: "1.34.8", CurrentStep: 1, StepsLeft: 1, StepStartedAt: &at},
			{Name: "s3", Namespace: ns, Phase: v1alpha1.ShootHeld, Reason: "Hibernated", Message: "hibernated: 2 steps held until it wakes", ControlPlane: "1.33.4", StepsLeft: 2},
			{Name: "s4", Namespace: ns, Phase: v1alpha1.ShootWaiting, Reason: "WaveNotReady", Message: "waiting for wave canary", ControlPlane: "1.33.4", StepsLeft: 2},
		},
		ShootsUpToDate: 6,
		// canary finished 5 minutes ago and bakes an hour.
		Waves: []v1alpha1.WaveStatus{
			{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: &at, BakeUntil: &metav1.Time{Time: at.Add(time.Hour)},
				Shoots: &v1alpha1.ShootCounts{Total: 6, UpToDate: 6}},
			{Name: "prod", Phase: v1alpha1.WaveUpgrading, Shoots: &v1alpha1.ShootCounts{Total: 1, Upgrading: 1}},
		},
	}
	if err := e.Client.Status().Update(ctx, f); err != nil {
		t.Fatal(err)
	}
	lab := &unstructured.Unstructured{}
	lab.SetAPIVersion("clabernetes.containerlab.dev/v1alpha1")
	lab.SetKind("Topology")
	lab.SetNamespace(ns)
	lab.SetName("dc1")
	lab.Object["spec"] = map[string]any{"definition": map[string]any{"containerlab": `name: dc1
topology:
  nodes:
    leaf1: {kind: nokia_srlinux}
    leaf2: {kind: nokia_srlinux}
    spine1: {kind: nokia_srlinux}
    spine2: {kind: nokia_srlinux}
  links:
    - endpoints: ["leaf1:e1-1", "spine1:e1-1"]
    - endpoints: ["leaf1:e1-2", "spine2:e1-1"]
    - endpoints: ["leaf2:e1-1", "spine1:e1-2"]
    - endpoints: ["leaf2:e1-2", "spine2:e1-2"]
`}}
	if err := e.Client.Create(ctx, lab); err != nil {
		t.Fatal(err)
	}
	return f
}

// browser starts headless Chromium with the flags that work in a container
// without a GPU, sandbox or network, and a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1400),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// No timeout on the browser's context: it would stop the browser.
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// until waits for a JavaScript expression to be truthy and returns its value.
func until[T any](t *testing.T, ctx context.Context, what, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		dom, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("main").innerText`))
		t.Fatalf("%s: %v\npage:\n%s", what, err, dom)
	}
	return v
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 is a PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func TestDashboardInBrowser(t *testing.T) {
	e := requireEnv(t)
	bctx := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ns := e.NewNamespace(t)
	f := rollout(ctx, t, e, ns)
	base := serveDashboard(t, e, ns)
	shots := artifacts(t)

	t.Run("a fleet's shoots and phases", func(t *testing.T) {
		if err := chromedp.Do(bctx, chromedp.Navigate(base+"/#/fleet/"+ns+"/prod")); err != nil {
			t.Fatal(err)
		}
		until[bool](t, bctx, "four listed shoots", `document.querySelectorAll("#shoots tr[data-shoot]").length === 4`)
		counts := until[map[string]string](t, bctx, "phase counts", `Object.fromEntries([...document.querySelectorAll("h3 + .counts [data-phase-count]")].map(e => [e.dataset.phaseCount, e.dataset.count]))`)
		want := map[string]string{"Stalled": "1", "Upgrading": "1", "Waiting": "1", "Held": "1", "UpToDate": "6"}
		if fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("phase counts = %v, want %v", counts, want)
		}
		pos := until[string](t, bctx, "last error position", `document.querySelector("#last-error .pos").textContent.trim()`)
		if pos != "prod/shoots.cue:12:5" {
			t.Errorf("last error position = %q, want prod/shoots.cue:12:5", pos)
		}
		step := until[string](t, bctx, "step of s1", `document.querySelector('tr[data-shoot="`+ns+`/s1"] .step').firstChild.textContent`)
		if step != "step 1 of 2" {
			t.Errorf("s1 step = %q, want step 1 of 2", step)
		}
		screenshot(t, bctx, shots, "fleet")
	})

	t.Run("a stalled shoot shows its reason", func(t *testing.T) {
		reason := until[string](t, bctx, "stalled reason", `document.querySelector('tr[data-shoot="`+ns+`/s2"][data-phase="Stalled"] .reason').innerText`)
		if want := "StepTimedOut\nstep not done 2h0m0s after it was applied: Reconcile Error 10%"; reason != want {
			t.Errorf("reason = %q, want %q", reason, want)
		}
	})

	t.Run("a lab graph has its nodes and links", func(t *testing.T) {
		graph := until[struct{ Nodes, Links, DOMNodes, DOMLinks int }](t, bctx, "lab graph", `(() => { const g = window.gardenfleetGraphs["`+ns+`/dc1"]; const d = document.querySelector('.lab[data-lab="`+ns+`/dc1"]');
			return g && d && d.querySelector("canvas") && {Nodes: g.nodes().length, Links: g.edges().length, DOMNodes: +d.dataset.nodes, DOMLinks: +d.dataset.links}; })()`)
		if graph.Nodes != 4 || graph.Links != 4 || graph.DOMNodes != 4 || graph.DOMLinks != 4 {
			t.Errorf("graph = %+v, want 4 nodes and 4 links drawn and listed", graph)
		}
		screenshot(t, bctx, shots, "lab")
	})

	t.Run("updates appear without a reload", func(t *testing.T) {
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
			t.Fatal(err)
		}
		// The stalled shoot is taken up again and moves to its last step.
		now := metav1.Now()
		f.Status.Shoots[1] = v1alpha1.ShootStatus{Name: "s2", Namespace: ns, Phase: v1alpha1.ShootUpgrading, Reason: "StepApplied",
			Message: "applying step 2/2: control plane 1.35.6 -> 1.36.4", ControlPlane: "1.35.6", CurrentStep: 2, StepStartedAt: &now}
		if err := e.Client.Status().Update(ctx, f); err != nil {
			t.Fatal(err)
		}
		step := until[string](t, bctx, "s2 moved on", `window.notReloaded && document.querySelector('tr[data-shoot="`+ns+`/s2"][data-phase="Upgrading"] .step') &&
			document.querySelector('tr[data-shoot="`+ns+`/s2"] .step').firstChild.textContent`)
		if step != "step 2 of 2" {
			t.Errorf("s2 step = %q, want step 2 of 2", step)
		}
		stalled := until[string](t, bctx, "stalled count", `document.querySelector('h3 + .counts [data-phase-count="Stalled"]').dataset.count`)
		if stalled != "0" {
			t.Errorf("stalled count = %s, want 0", stalled)
		}
		screenshot(t, bctx, shots, "updated")
	})

	t.Run("waves: counts, bake time left and a filter", func(t *testing.T) {
		left := until[int](t, bctx, "canary's bake time", `+document.querySelector('.wave[data-wave="canary"]').dataset.bakeLeft`)
		if left <= 0 || left > 3600 {
			t.Errorf("canary bakes %d s more, want 1 to 3600", left)
		}
		upToDate := until[string](t, bctx, "canary's count", `document.querySelector('.wave[data-wave="canary"] [data-phase-count="UpToDate"]').dataset.count`)
		if upToDate != "6" {
			t.Errorf("canary: %s up to date, want 6", upToDate)
		}
		op := until[string](t, bctx, "s1's last operation", `document.querySelector('tr[data-shoot="`+ns+`/s1"] .operation').textContent`)
		if op != "Reconcile Processing" {
			t.Errorf("s1's last operation = %q, want Reconcile Processing", op)
		}
		until[bool](t, bctx, "s3 hibernated", `!!document.querySelector('tr[data-shoot="`+ns+`/s3"] .hibernated')`)
		// Only s1 is in wave prod.
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById("filter-wave");
			s.value = "=prod"; s.dispatchEvent(new Event("change")); return true; })()`)); err != nil {
			t.Fatal(err)
		}
		until[bool](t, bctx, "only wave prod", `[...document.querySelectorAll("#shoots tr[data-shoot]")].map(r => r.dataset.shoot).join() === "`+ns+`/s1"`)
		screenshot(t, bctx, shots, "waves")
	})
}
