package planner

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlanFleet(t *testing.T) {
	t.Parallel()
	policy := Policy{Versions: stdProfile(t)}
	shoots := []Shoot{
		{Name: "garden-dev/a", Current: live("1.33.4", "a=1.33.4"), Desired: want("1.34.3"), Policy: policy},
		{Name: "garden-dev/b", Current: live("1.34.3"), Desired: want("1.33.5"), Policy: policy},
		{Name: "garden-prod/c", Current: live("1.33.4"), Desired: want("1.33.4"), Policy: policy},
	}
	reused := make([]Outcome, 0, 8)
	got := PlanFleet(reused, shoots)

	if len(got) != 3 {
		t.Fatalf("PlanFleet() returned %d outcomes, want 3", len(got))
	}
	if &got[0] != &reused[:1][0] {
		t.Errorf("PlanFleet() did not append into the reused slice")
	}
	if got[0].Err != nil || len(got[0].Steps) != 2 {
		t.Errorf("outcome 0 = %v, %v; want 2 steps", got[0].Steps, got[0].Err)
	}
	wantErr := "shoot garden-dev/b: control plane 1.34.3 -> 1.33.5 is a downgrade, which Gardener refuses: set the fleet to 1.34.3 or later (Gardener's maintenance force-updates an expired version by a minor)"
	if got[1].Err == nil || got[1].Err.Error() != wantErr {
		t.Errorf("outcome 1 error = %v, want %q", got[1].Err, wantErr)
	}
	if got[2].Err != nil || got[2].Steps != nil {
		t.Errorf("outcome 2 = %v, %v; want no steps", got[2].Steps, got[2].Err)
	}
	// Each outcome is what Plan gives for that shoot alone.
	alone, _ := Plan(shoots[0].Current, shoots[0].Desired, policy)
	if diff := cmp.Diff(alone, got[0].Result); diff != "" {
		t.Errorf("outcome 0 differs from Plan (-want +got):\n%s", diff)
	}
}

func TestChanges(t *testing.T) {
	t.Parallel()
	prev := state("1.34.3", "a=1.33.4", "b=1.31.4", "c=1.34.3")
	next := state("1.34.3", "a=1.34.3", "b=1.32.3", "c=1.34.3")
	got := Changes(prev, next)
	want := []Change{
		{Pool: "a", From: MustParseVersion("1.33.4"), To: MustParseVersion("1.34.3")},
		{Pool: "b", From: MustParseVersion("1.31.4"), To: MustParseVersion("1.32.3")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Changes() (-want +got):\n%s", diff)
	}
	if s := got[0].String(); s != "pool a 1.33.4 -> 1.34.3" {
		t.Errorf("Change.String() = %q", s)
	}
	cp := Changes(state("1.33.4", "a=1.33.4"), state("1.34.3", "a=1.33.4"))
	if len(cp) != 1 || cp[0].String() != "control plane 1.33.4 -> 1.34.3" {
		t.Errorf("Changes() of a control plane step = %v", cp)
	}
	if s := next.String(); s != "control plane 1.34.3, pool a 1.34.3, pool b 1.32.3, pool c 1.34.3" {
		t.Errorf("State.String() = %q", s)
	}
	k := Kept{Pool: "a", Desired: MustParseVersion("1.33.4"), Live: MustParseVersion("1.33.5")}
	if s := k.String(); s != "pool a stays at 1.33.5 (Git asks for 1.33.4; maintenance raised the patch)" {
		t.Errorf("Kept.String() = %q", s)
	}
}

// benchFleet draws a fleet of n shoots of realistic shape against one
// CloudProfile: 0 to 4 pools, a third of them in-place, some pinned, the
// control plane 0 to 4 minors behind its target.
func benchFleet(tb testing.TB, n int) []Shoot {
	var versions []ProfileVersion
	for m := uint64(28); m <= 40; m++ {
		for p := uint64(0); p < 6; p++ {
			class := Supported
			if p == 5 {
				class = Preview
			}
			versions = append(versions, ProfileVersion{Version: Version{1, m, p}, Classification: class})
		}
	}
	catalog, err := NewCatalog(versions)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 7))
	shoots := make([]Shoot, n)
	for i := range shoots {
		cp := Version{1, 31 + uint64(rng.IntN(4)), uint64(rng.IntN(5))}
		current := Current{ControlPlane: cp}
		for j := range rng.IntN(5) {
			v := Version{1, cp.Minor - uint64(rng.IntN(3)), uint64(rng.IntN(5))}
			if cp.Less(v) {
				v = cp
			}
			current.Pools = append(current.Pools, Pool{Name: fmt.Sprintf("pool%d", j), Version: v, InPlace: rng.IntN(3) == 0})
		}
		desired := Desired{ControlPlane: Version{1, cp.Minor + uint64(rng.IntN(5)), 4}}
		if pin := (Version{1, desired.ControlPlane.Minor - 1, 4}); len(current.Pools) > 1 && rng.IntN(4) == 0 &&
			!pin.Less(current.Pools[1].Version) {
			desired.Pools = map[string]Version{"pool1": pin}
		}
		shoots[i] = Shoot{Name: fmt.Sprintf("garden-p%d/shoot%d", i%50, i), Current: current, Desired: desired, Policy: Policy{Versions: catalog}}
	}
	return shoots
}

// BenchmarkPlan5000 plans a fleet of 5,000 shoots; the goal is under 100 ms
// per op.
func BenchmarkPlan5000(b *testing.B) {
	shoots := benchFleet(b, 5000)
	outcomes := PlanFleet(nil, shoots)
	steps, failed := 0, 0
	for _, o := range outcomes {
		if o.Err != nil {
			failed++
		}
		steps += len(o.Steps)
	}
	if failed > 0 {
		b.Fatalf("%d of the benchmark's shoots fail to plan, e.g. %v", failed, firstErr(outcomes))
	}
	b.ReportAllocs()
	for b.Loop() {
		outcomes = PlanFleet(outcomes[:0], shoots)
	}
	b.ReportMetric(float64(steps)/float64(len(shoots)), "steps/shoot")
}

func firstErr(outcomes []Outcome) error {
	for _, o := range outcomes {
		if o.Err != nil {
			return o.Err
		}
	}
	return nil
}
