package planner

import (
	"fmt"
	"slices"

	"github.com/gardenfleet/gardenfleet/gardener/keep"
)

// maxPoolSkew is how many minors a pool may trail the control plane
// (Gardener's rule since 2025; the Kubernetes skew policy allows the same).
const maxPoolSkew = 3

// Resolve defaults the desired versions against the live ones and returns
// the state a plan must end at:
//   - a pool without a target of its own follows the control plane;
//   - a live version ahead of Git by a patch within the same minor (raised
//     by Gardener's maintenance) stays and is reported in kept;
//   - anything below the live version otherwise is a downgrade, an error
//     that tells how to catch Git up.
//
// It also rejects live states that already break the skew rules, targets
// that would (a pool newer than the control plane, or pinned more than three
// minors behind it) and desired pools the shoot does not have.
func Resolve(current Current, desired Desired) (target State, kept []Kept, err error) {
	if err := checkLive(current); err != nil {
		return State{}, nil, err
	}
	if desired.ControlPlane.IsZero() {
		return State{}, nil, fmt.Errorf("desired control plane version is empty")
	}
	cp, keep, err := resolveOne("control plane", current.ControlPlane, desired.ControlPlane)
	if err != nil {
		return State{}, nil, err
	}
	if keep {
		kept = append(kept, Kept{Desired: desired.ControlPlane, Live: current.ControlPlane})
	}
	if cp.Major != current.ControlPlane.Major {
		return State{}, nil, fmt.Errorf("control plane %s -> %s changes the major version", current.ControlPlane, cp)
	}

	if err := checkDesiredPools(current, desired); err != nil {
		return State{}, nil, err
	}
	target = State{ControlPlane: cp, Pools: make([]PoolVersion, len(current.Pools))}
	for i, p := range current.Pools {
		want, pinned := desired.Pools[p.Name]
		pinned = pinned && !want.IsZero()
		if !pinned {
			want = cp
		}
		v, keep, err := resolveOne("pool "+p.Name, p.Version, want)
		if err != nil {
			return State{}, nil, err
		}
		if keep {
			kept = append(kept, Kept{Pool: p.Name, Desired: want, Live: p.Version})
		}
		switch {
		case v.Major != cp.Major:
			return State{}, nil, fmt.Errorf("pool %s target %s and control plane target %s differ in the major version", p.Name, v, cp)
		case cp.Less(v):
			return State{}, nil, fmt.Errorf("pool %s target %s is newer than control plane target %s", p.Name, v, cp)
		case v.minorsBehind(cp) > maxPoolSkew:
			return State{}, nil, fmt.Errorf("pool %s pinned to %s would be %d minors behind control plane target %s (at most %d)",
				p.Name, v, v.minorsBehind(cp), cp, maxPoolSkew)
		}
		target.Pools[i] = PoolVersion{Name: p.Name, Version: v}
	}
	return target, kept, nil
}

// resolveOne returns the version one component must end at, and whether it
// is the live version kept ahead of Git. Which live version is kept is
// keep.Live's rule, the one the apply path follows; a newer live minor is
// kept there too, but no plan can start from it: Git must catch up.
func resolveOne(what string, live, want Version) (Version, bool, error) {
	switch keep.Decide(want.Less(live), want.SameMinor(live)) {
	case keep.Desired:
		return want, false, nil
	case keep.Patch:
		return live, true, nil
	}
	// A live minor ahead of Git is most often Gardener's forced update of an
	// expired version, which leaves Git behind; the error says how to catch up.
	return Version{}, false, fmt.Errorf("%s %s -> %s is a downgrade, which Gardener refuses: set the fleet to %s or later (Gardener's maintenance force-updates an expired version by a minor)", what, live, want, live)
}

func checkLive(current Current) error {
	cp := current.ControlPlane
	if cp.IsZero() {
		return fmt.Errorf("live control plane version is empty")
	}
	for i, p := range current.Pools {
		for _, q := range current.Pools[:i] {
			if q.Name == p.Name {
				return fmt.Errorf("live pool %s is listed twice", p.Name)
			}
		}
		switch {
		case p.Version.Major != cp.Major:
			return fmt.Errorf("live pool %s %s and control plane %s differ in the major version", p.Name, p.Version, cp)
		case cp.Less(p.Version):
			return fmt.Errorf("live pool %s %s is newer than control plane %s", p.Name, p.Version, cp)
		case p.Version.minorsBehind(cp) > maxPoolSkew:
			return fmt.Errorf("live pool %s %s is %d minors behind control plane %s (at most %d)",
				p.Name, p.Version, p.Version.minorsBehind(cp), cp, maxPoolSkew)
		}
	}
	return nil
}

func checkDesiredPools(current Current, desired Desired) error {
	var unknown []string
	for name := range desired.Pools {
		if !slices.ContainsFunc(current.Pools, func(p Pool) bool { return p.Name == name }) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fmt.Errorf("desired pool %s is not in the live shoot", unknown[0])
}
