package planner

import (
	"fmt"
)

// Validate checks a plan against the rules every ProposeFunc must keep (see
// there), whoever proposed it. Errors name the step, counted from 1, and the
// versions, e.g. "step 2: control plane 1.31.4 -> 1.33.1 skips a minor".
// It does not check that the plan is the shortest.
func Validate(current Current, target State, steps []State, policy Policy) error {
	if len(target.Pools) != len(current.Pools) {
		return fmt.Errorf("target has %d pools, the live shoot %d", len(target.Pools), len(current.Pools))
	}
	// The live state as the step before the first; on the stack for the
	// usual handful of pools.
	var backing [8]PoolVersion
	prev := State{ControlPlane: current.ControlPlane, Pools: backing[:0]}
	for _, p := range current.Pools {
		prev.Pools = append(prev.Pools, PoolVersion{Name: p.Name, Version: p.Version})
	}
	for i, next := range steps {
		if err := checkStep(current, target, prev, next, policy); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
		prev = next
	}
	if prev.ControlPlane != target.ControlPlane {
		return fmt.Errorf("plan ends with control plane at %s, want %s", prev.ControlPlane, target.ControlPlane)
	}
	for i, p := range prev.Pools {
		if want := target.Pools[i].Version; p.Version != want {
			return fmt.Errorf("plan ends with pool %s at %s, want %s", p.Name, p.Version, want)
		}
	}
	return nil
}

// checkStep checks one step, from prev to next. Checks run in a fixed
// order and the first failure is returned: shape, what moves, the control
// plane's move, each pool's move, then the skew of every pool.
func checkStep(current Current, target State, prev, next State, policy Policy) error {
	if len(next.Pools) != len(current.Pools) {
		return fmt.Errorf("has %d pools, want %d", len(next.Pools), len(current.Pools))
	}
	firstMoved := -1
	for i, p := range next.Pools {
		if want := current.Pools[i].Name; p.Name != want {
			return fmt.Errorf("pool #%d is %q, want %q", i+1, p.Name, want)
		}
		if firstMoved < 0 && p.Version != prev.Pools[i].Version {
			firstMoved = i
		}
	}
	cpMoved := next.ControlPlane != prev.ControlPlane
	switch {
	case !cpMoved && firstMoved < 0:
		return fmt.Errorf("changes nothing")
	case cpMoved && firstMoved >= 0:
		return fmt.Errorf("moves the control plane and pool %s together; the control plane must go first", next.Pools[firstMoved].Name)
	}

	cp := next.ControlPlane
	if cpMoved {
		from := prev.ControlPlane
		switch {
		case cp.Major != from.Major:
			return fmt.Errorf("control plane %s -> %s changes the major version", from, cp)
		case cp.Less(from):
			return fmt.Errorf("control plane %s -> %s is a downgrade", from, cp)
		case cp.Minor-from.Minor > 1:
			return fmt.Errorf("control plane %s -> %s skips a minor", from, cp)
		}
		previewOK := cp == target.ControlPlane || cp == current.ControlPlane
		if err := checkAvailable("", cp, previewOK, policy); err != nil {
			return err
		}
	}
	for i, p := range next.Pools {
		from := prev.Pools[i].Version
		if p.Version == from {
			continue
		}
		switch {
		case p.Version.Major != from.Major:
			return fmt.Errorf("pool %s %s -> %s changes the major version", p.Name, from, p.Version)
		case p.Version.Less(from):
			return fmt.Errorf("pool %s %s -> %s is a downgrade", p.Name, from, p.Version)
		case current.Pools[i].InPlace && p.Version.Minor-from.Minor > 1:
			return fmt.Errorf("in-place pool %s %s -> %s skips a minor", p.Name, from, p.Version)
		}
		previewOK := p.Version == target.Pools[i].Version || p.Version == target.ControlPlane || p.Version == current.ControlPlane
		if err := checkAvailable(p.Name, p.Version, previewOK, policy); err != nil {
			return err
		}
	}
	for _, p := range next.Pools {
		switch {
		case p.Version.Major != cp.Major:
			return fmt.Errorf("pool %s %s and control plane %s differ in the major version", p.Name, p.Version, cp)
		case cp.Less(p.Version):
			return fmt.Errorf("pool %s %s is newer than control plane %s", p.Name, p.Version, cp)
		case p.Version.minorsBehind(cp) > maxPoolSkew:
			return fmt.Errorf("pool %s %s is %d minors behind control plane %s (at most %d)",
				p.Name, p.Version, p.Version.minorsBehind(cp), cp, maxPoolSkew)
		}
	}
	return nil
}

// checkAvailable checks that the CloudProfile lets pool (empty for the
// control plane) move onto v.
func checkAvailable(pool string, v Version, previewOK bool, policy Policy) error {
	class, listed := policy.Versions.Classification(v)
	if listed && class.writable() && (class != Preview || previewOK || policy.AllowPreview) {
		return nil
	}
	what := "control plane"
	if pool != "" {
		what = "pool " + pool
	}
	switch {
	case !listed:
		return fmt.Errorf("%s %s is not in the cloud profile", what, v)
	case !class.writable():
		return fmt.Errorf("%s %s is %s", what, v, class)
	default:
		return fmt.Errorf("%s %s is a preview version, which the policy does not allow", what, v)
	}
}
