package planner

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomCase draws a shoot, a CloudProfile and a request around it. Most
// draws are plannable; some are not (missing minors, expired versions, pins
// too far behind, downgrades), which the property test tells apart.
func randomCase(rng *rand.Rand, maxPools int) (Current, Desired, Policy) {
	classes := []Classification{Supported, Supported, Supported, Supported, Deprecated, Deprecated, Preview, Expired, Unavailable}
	var versions []ProfileVersion
	lo := uint64(25)
	for m := lo; m < lo+10; m++ {
		if rng.IntN(20) == 0 {
			continue // a minor the profile lacks
		}
		for patch := range uint64(1 + rng.IntN(3)) {
			versions = append(versions, ProfileVersion{
				Version:        Version{1, m, patch + uint64(rng.IntN(2))*3},
				Classification: classes[rng.IntN(len(classes))],
			})
		}
	}
	// Duplicates from the random patches are dropped.
	slices.SortFunc(versions, func(a, b ProfileVersion) int { return a.Version.Compare(b.Version) })
	versions = slices.CompactFunc(versions, func(a, b ProfileVersion) bool { return a.Version == b.Version })
	catalog, err := NewCatalog(versions)
	if err != nil {
		panic(err)
	}
	pick := func(minorVersion uint64) Version {
		var in []Version
		for _, pv := range versions {
			if pv.Version.Minor == minorVersion {
				in = append(in, pv.Version)
			}
		}
		if len(in) == 0 || rng.IntN(10) == 0 {
			return Version{1, minorVersion, uint64(rng.IntN(6))}
		}
		return in[rng.IntN(len(in))]
	}

	cp := pick(lo + uint64(rng.IntN(4)))
	current := Current{ControlPlane: cp}
	for i := range rng.IntN(maxPools + 1) {
		v := pick(cp.Minor - uint64(rng.IntN(4)))
		if cp.Less(v) {
			v = cp
		}
		current.Pools = append(current.Pools, Pool{Name: fmt.Sprintf("p%d", i), Version: v, InPlace: rng.IntN(2) == 0})
	}

	desired := Desired{ControlPlane: pick(cp.Minor + uint64(rng.IntN(6)))}
	if rng.IntN(15) == 0 {
		desired.ControlPlane = Version{1, cp.Minor, 0} // often below the live patch
	}
	for _, p := range current.Pools {
		if rng.IntN(3) != 0 {
			continue
		}
		if desired.Pools == nil {
			desired.Pools = map[string]Version{}
		}
		behind := uint64(rng.IntN(5))
		m := desired.ControlPlane.Minor - behind
		if m < p.Version.Minor {
			m = p.Version.Minor
		}
		desired.Pools[p.Name] = pick(m)
	}
	return current, desired, Policy{Versions: catalog, AllowPreview: rng.IntN(3) == 0}
}

// TestPlanProperties checks, over many random shoots, that every plan obeys
// the rules at every step, ends at the target, has no redundant step, and
// is as short as the shortest valid plan a breadth-first search finds; and
// that a request is refused only when no valid plan exists.
func TestPlanProperties(t *testing.T) {
	t.Parallel()
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	iterations := 300
	if testing.Short() {
		iterations = 50
	}
	planned, refused := 0, 0
	reasons := map[string]int{}
	for _, seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		for i := range iterations {
			current, desired, policy := randomCase(rng, 3)
			name := fmt.Sprintf("seed %d case %d: %s -> %v", seed, i, current.State(), desired)

			target, _, err := Resolve(current, desired)
			if err != nil {
				continue // refusals of Resolve are covered by the table tests
			}
			res, err := Plan(current, desired, policy)
			shortest, found := shortestPlan(current, target, policy)
			if err != nil {
				reasons[strings.SplitN(err.Error(), " ", 3)[1]]++
				if found {
					t.Fatalf("%s: refused with %q, but a plan of %d steps exists", name, err, shortest)
				}
				refused++
				continue
			}
			planned++
			if !found {
				t.Fatalf("%s: planned %d steps, but the search found no valid plan", name, len(res.Steps))
			}
			if err := Validate(current, target, res.Steps, policy); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(res.Steps) > 0 && !res.Steps[len(res.Steps)-1].Equal(target) {
				t.Fatalf("%s: ends at %s, want %s", name, res.Steps[len(res.Steps)-1], target)
			}
			for j := range res.Steps {
				without := slices.Delete(slices.Clone(res.Steps), j, j+1)
				if Validate(current, target, without, policy) == nil {
					t.Fatalf("%s: step %d (%s) is redundant", name, j+1, res.Steps[j])
				}
			}
			if len(res.Steps) != shortest {
				t.Fatalf("%s: %d steps, the shortest valid plan has %d:\n%v", name, len(res.Steps), shortest, res.Steps)
			}
		}
	}
	t.Logf("planned %d, refused %d: %v", planned, refused, reasons)
	if planned == 0 || refused == 0 {
		t.Fatalf("the generator must produce both plannable and impossible requests: planned %d, refused %d", planned, refused)
	}
}

// shortestPlan searches breadth-first over every state reachable through
// steps checkStep accepts, moving onto any version the profile or the
// target names, and returns the fewest steps that reach target.
func shortestPlan(current Current, target State, policy Policy) (int, bool) {
	// Versions the profile refuses fail checkStep anyway; leaving them out
	// only makes the search faster.
	candidates := []Version{target.ControlPlane}
	for _, pv := range policy.Versions.Versions() {
		if pv.Classification.writable() || pv.Classification == "" {
			candidates = append(candidates, pv.Version)
		}
	}
	for _, p := range target.Pools {
		candidates = append(candidates, p.Version)
	}
	slices.SortFunc(candidates, Version.Compare)
	candidates = slices.Compact(candidates)

	// States are keyed by their versions; the generator makes at most 3 pools.
	key := func(s State) [4]Version {
		var k [4]Version
		k[0] = s.ControlPlane
		for i, p := range s.Pools {
			k[i+1] = p.Version
		}
		return k
	}
	start := current.State()
	if start.Equal(target) {
		return 0, true
	}
	seen := map[[4]Version]bool{key(start): true}
	frontier := []State{start}
	for depth := 1; len(frontier) > 0; depth++ {
		var next []State
		visit := func(from, s State) bool {
			if checkStep(current, target, from, s, policy) != nil {
				return false
			}
			k := key(s)
			if seen[k] {
				return false
			}
			seen[k] = true
			if s.Equal(target) {
				return true
			}
			next = append(next, clone(s))
			return false
		}
		for _, s := range frontier {
			fromS := func(t State) bool { return visit(s, t) }
			// The control plane moves alone. Versions past the target can
			// never come back to it: nothing moves down.
			for _, v := range candidates {
				if !s.ControlPlane.Less(v) || target.ControlPlane.Less(v) || v.Minor > s.ControlPlane.Minor+1 {
					continue
				}
				if fromS(State{ControlPlane: v, Pools: s.Pools}) {
					return depth, true
				}
			}
			// Any set of pools moves, each onto any candidate.
			if found := eachPoolMove(s, target, candidates, fromS); found {
				return depth, true
			}
		}
		frontier = next
	}
	return 0, false
}

// eachPoolMove calls visit with every state that keeps the control plane
// of s and moves any pools of it onto candidates, until visit says stop.
func eachPoolMove(s, target State, candidates []Version, visit func(State) bool) bool {
	work := clone(s)
	var rec func(i int) bool
	rec = func(i int) bool {
		if i == len(work.Pools) {
			return visit(work)
		}
		work.Pools[i].Version = s.Pools[i].Version
		if rec(i + 1) { // the pool stays
			return true
		}
		for _, v := range candidates {
			if !s.Pools[i].Version.Less(v) || s.ControlPlane.Less(v) || target.Pools[i].Version.Less(v) ||
				v.minorsBehind(s.ControlPlane) > maxPoolSkew {
				continue
			}
			work.Pools[i].Version = v
			if rec(i + 1) {
				return true
			}
		}
		work.Pools[i].Version = s.Pools[i].Version
		return false
	}
	return rec(0)
}

func clone(s State) State {
	return State{ControlPlane: s.ControlPlane, Pools: slices.Clone(s.Pools)}
}
