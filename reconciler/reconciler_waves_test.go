package reconciler

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// TestWavesAndDependencies upgrades four shoots in two waves: the canary wave
// first (c2 after c1, which it depends on), then, once the canary wave is
// done and baked, the prod wave one shoot at a time.
func TestWavesAndDependencies(t *testing.T) {
	const bake = 500 * time.Millisecond
	h := newHarness(t)
	build := func(version string) map[string]string {
		fl := newFleet().
			wave(`{name: "canary", bakeTime: "500ms"}`).
			wave(`{name: "prod", maxParallel: 1}`)
		fl.shoot("c1", version, "").rolloutWith(`wave: "canary"`)
		fl.shoot("c2", version, "").rolloutWith(`wave: "canary"`, `dependsOn: ["c1"]`)
		fl.shoot("p1", version, "").rolloutWith(`wave: "prod"`)
		fl.shoot("p2", version, "").rolloutWith(`wave: "prod"`)
		return fl.files()
	}
	rev := h.push(build("1.36.4"))
	h.createFleet()
	h.start()
	names := []string{"c1", "c2", "p1", "p2"}
	h.eventually(t, func(g Gomega) {
		readyAt(g, h.fleet(g), rev)
		for _, n := range names {
			h.shootHealthy(g, n)
		}
	})
	trails := map[string]*versionTrail{}
	for _, n := range names {
		trails[n] = h.watchVersions(t, n)
	}

	target := h.push(build("1.37.1"))
	var f *v1alpha1.Fleet
	h.eventually(t, func(g Gomega) {
		f = h.fleet(g)
		readyAt(g, f, target)
		for _, n := range names {
			g.Expect(trails[n].all()).To(HaveLen(3), "shoot %s: 2 steps", n)
		}
	})

	_, c1Last := trails["c1"].span()
	c2First, c2Last := trails["c2"].span()
	p1First, p1Last := trails["p1"].span()
	p2First, p2Last := trails["p2"].span()
	if !c2First.After(c1Last) {
		t.Errorf("c2 started at %s, before c1, which it depends on, finished at %s", c2First, c1Last)
	}
	canaryDone := c2Last
	if c1Last.After(canaryDone) {
		canaryDone = c1Last
	}
	for name, first := range map[string]time.Time{"p1": p1First, "p2": p2First} {
		if first.Sub(canaryDone) < bake {
			t.Errorf("%s started %s after the canary wave's last step, before its bake time of %s", name, first.Sub(canaryDone), bake)
		}
	}
	if !(p2First.After(p1Last) || p1First.After(p2Last)) {
		t.Errorf("prod shoots upgraded at once with maxParallel 1: p1 %s..%s, p2 %s..%s", p1First, p1Last, p2First, p2Last)
	}
	if len(f.Status.Waves) != 2 || f.Status.Waves[0].Phase != v1alpha1.WaveDone || f.Status.Waves[0].CompletedAt == nil ||
		f.Status.Waves[1].Phase != v1alpha1.WaveDone || f.Status.Waves[1].CompletedAt == nil {
		t.Errorf("waves status = %+v, want both Done with completion times", f.Status.Waves)
	}
}
