package planner

import (
	"fmt"
	"math"
)

// ProposeFunc proposes the steps that take a shoot from current to target
// under policy. Each step is the full state after it. Whatever it returns
// must keep these invariants, which Validate checks:
//   - every step lists the control plane and every pool of current, in
//     current's order, and moves something;
//   - a step moves either the control plane or pools, never both: the
//     control plane goes first;
//   - nothing ever moves to an older version;
//   - the control plane never skips a minor, and neither do in-place pools;
//   - after every step every pool is at most the control plane's version
//     and at most three minors behind it;
//   - every version something moves onto is listed in policy.Versions and
//     is neither expired nor unavailable; a preview version only if
//     policy.AllowPreview or it is the control plane's live or target version
//     or the pool's own target;
//   - the last step equals target; no steps when current already does.
//
// Proposers should also take no step the rules do not need; Validate cannot
// tell.
type ProposeFunc func(current Current, target State, policy Policy) ([]State, error)

var _ ProposeFunc = Propose

// Propose is the default ProposeFunc. It takes the fewest steps the rules
// allow (the property test checks this against a breadth-first search):
//   - The control plane climbs one minor at a time through the newest
//     usable patch of each intermediate minor and lands on the target; a
//     patch-only change is one step.
//   - Pools move once, at the end, to their targets, unless the next control
//     plane step would leave one more than three minors behind: then a pool
//     step comes first. It moves every rolling pool that cannot wait for the
//     end as far as it can: onto its own target once the control plane has
//     reached it, else to the control plane's current version (or the newest
//     usable one below it). Moving the ones that would be forced later too
//     saves the pool step that would have followed.
//   - In-place pools move one minor per pool step, through each minor's
//     newest usable patch and never past the control plane's version; every
//     pool step carries them on, since they cross every minor anyway.
//   - When a pool that must move has no usable version up to the control
//     plane's (the live control plane version may have expired), the control
//     plane first takes the newest usable patch of its own minor.
func Propose(current Current, target State, policy Policy) ([]State, error) {
	if len(target.Pools) != len(current.Pools) {
		return nil, fmt.Errorf("target has %d pools, the live shoot %d", len(target.Pools), len(current.Pools))
	}
	n := len(current.Pools)
	// One minor per control plane step, plus a pool step per minor in the
	// worst case: enough to avoid regrowing in the usual cases.
	estimate := 2
	if target.ControlPlane.Minor > current.ControlPlane.Minor {
		estimate += 2 * int(min(target.ControlPlane.Minor-current.ControlPlane.Minor, 16))
	}
	p := proposer{
		current: current,
		target:  target,
		policy:  policy,
		cp:      current.ControlPlane,
		pools:   make([]Version, n),
		cps:     make([]Version, 0, estimate),
		buf:     make([]PoolVersion, 0, estimate*n),
	}
	for i, pool := range current.Pools {
		p.pools[i] = pool.Version
	}

	if err := p.climb(); err != nil {
		return nil, err
	}
	if err := p.settle(); err != nil {
		return nil, err
	}
	if len(p.cps) == 0 {
		return nil, nil
	}
	steps := make([]State, len(p.cps))
	for i, cp := range p.cps {
		steps[i] = State{ControlPlane: cp, Pools: p.buf[i*n : (i+1)*n : (i+1)*n]}
	}
	return steps, nil
}

type proposer struct {
	current Current
	target  State
	policy  Policy

	cp    Version   // the control plane after the steps so far
	pools []Version // each pool after the steps so far

	saved []Version // pools before a pool step, to retry it

	cps []Version     // the control plane of each step
	buf []PoolVersion // the pools of each step, len(pools) per step
}

// climb moves the control plane to its target, with the pool steps the skew
// rule forces on the way.
func (p *proposer) climb() error {
	want := p.target.ControlPlane
	for p.cp != want {
		next := want
		if p.cp.Minor < want.Minor && want.Minor-p.cp.Minor > 1 {
			m := p.cp.Minor + 1
			v, ok := p.policy.Versions.Newest(p.cp.Major, m, p.policy.AllowPreview)
			if !ok {
				return fmt.Errorf("control plane %s -> %s: no usable version of %s",
					p.current.ControlPlane, want, minor{p.cp.Major, m})
			}
			next = v
		}
		if p.leavesBehind(next) {
			if err := p.makeRoom(next); err != nil {
				return err
			}
		}
		p.cp = next
		p.emit()
	}
	return nil
}

// makeRoom emits the pool step that lets the control plane move to next.
func (p *proposer) makeRoom(next Version) error {
	p.saved = append(p.saved[:0], p.pools...)
	moved, stuck, err := p.advance(&next)
	if err != nil {
		return err
	}
	if stuck >= 0 {
		// NOTE: no usable version up to the control plane's is left for a
		// pool (the live control plane version may be expired). Taking the
		// newest patch of the control plane's minor first gives it one.
		if bump, ok := p.policy.Versions.Newest(p.cp.Major, p.cp.Minor, p.policy.AllowPreview); ok && p.cp.Less(bump) {
			copy(p.pools, p.saved)
			p.cp = bump
			p.emit()
			if moved, stuck, err = p.advance(&next); err != nil {
				return err
			}
		}
	}
	if stuck >= 0 {
		pool := p.current.Pools[stuck]
		return fmt.Errorf("pool %s %s -> %s: no usable version from %s up to %s to move to before control plane %s",
			pool.Name, pool.Version, p.target.Pools[stuck].Version, minor{next.Major, next.Minor - maxPoolSkew}, p.cp, next)
	}
	if !moved {
		return fmt.Errorf("internal: cannot make room for control plane %s in %s", next, p.state())
	}
	p.emit()
	return nil
}

// settle moves the pools to their targets once the control plane is there.
func (p *proposer) settle() error {
	for !p.poolsAtTarget() {
		moved, _, err := p.advance(nil)
		if err != nil {
			return err
		}
		if !moved {
			return fmt.Errorf("internal: no pool can move towards its target from %s", p.state())
		}
		p.emit()
	}
	return nil
}

// leavesBehind reports whether some pool would trail cp by more than the
// skew allows.
func (p *proposer) leavesBehind(cp Version) bool {
	for _, v := range p.pools {
		if v.minorsBehind(cp) > maxPoolSkew {
			return true
		}
	}
	return false
}

func (p *proposer) poolsAtTarget() bool {
	for i, v := range p.pools {
		if v != p.target.Pools[i].Version {
			return false
		}
	}
	return true
}

// advance moves every pool that may move now, for one pool step. With next
// set, this is a step before the control plane moves to next: pools next
// would leave too far behind must move, and so do the others that cannot
// stay where they are until the end; rolling pools otherwise move only
// onto their final target. stuck is a pool that must move and cannot, or -1.
func (p *proposer) advance(next *Version) (moved bool, stuck int, err error) {
	stuck = -1
	for i, cur := range p.pools {
		want := p.target.Pools[i].Version
		if cur == want {
			continue
		}
		var dest Version
		switch {
		case p.current.Pools[i].InPlace:
			if dest, err = p.inPlaceStop(i, cur, want); err != nil {
				return false, -1, err
			}
		case !p.cp.Less(want):
			dest = want
		case next != nil && cur.minorsBehind(p.target.ControlPlane) > maxPoolSkew:
			// The pool cannot wait for the end: it moves now, in a step
			// that happens anyway, as far as it can.
			dest = p.rollingStop(cur)
		}
		if dest.IsZero() || !cur.Less(dest) {
			dest = cur
		}
		if next != nil && dest.minorsBehind(*next) > maxPoolSkew && stuck < 0 {
			stuck = i
		}
		if dest != cur {
			p.pools[i] = dest
			moved = true
		}
	}
	return moved, stuck, nil
}

// rollingStop is the newest version up to the control plane's that a
// rolling pool at cur may move onto; zero if there is none above cur.
func (p *proposer) rollingStop(cur Version) Version {
	for m := p.cp.Minor; m >= cur.Minor; m-- {
		limit := p.cp
		if m != p.cp.Minor {
			limit = Version{Major: cur.Major, Minor: m, Patch: math.MaxUint64}
		}
		if v, ok := p.newestFor(limit); ok {
			return v
		}
		if m == 0 {
			break
		}
	}
	return Version{}
}

// inPlaceStop is where an in-place pool at cur can go in one step towards
// want: the next minor's newest usable patch, or want itself in its own
// minor, never beyond the control plane. Zero means it cannot move now.
func (p *proposer) inPlaceStop(i int, cur, want Version) (Version, error) {
	m := cur.Minor
	if m < want.Minor {
		m++
	}
	limit := Version{Major: cur.Major, Minor: m, Patch: math.MaxUint64}
	if m == want.Minor {
		limit = want
	}
	if !p.cp.Less(limit) {
		if limit == want {
			return want, nil
		}
		if v, ok := p.newestFor(limit); ok {
			return v, nil
		}
	} else if m == p.cp.Minor {
		// Only what the control plane already runs is in reach now.
		if v, ok := p.newestFor(p.cp); ok && cur.Less(v) {
			return v, nil
		}
	}
	if limit == want {
		return Version{}, nil
	}
	if _, ok := p.newestFor(limit); !ok {
		return Version{}, fmt.Errorf("in-place pool %s %s -> %s: no usable version of %s",
			p.current.Pools[i].Name, p.current.Pools[i].Version, want, minor{cur.Major, m})
	}
	return Version{}, nil // the control plane has to go first
}

// newestFor is the newest version of limit's minor, up to limit, that the
// planner may move a pool onto: one the policy lets it choose, or the live
// or target control plane version if the profile accepts it, as Validate
// allows even for a preview the policy would not choose.
func (p *proposer) newestFor(limit Version) (Version, bool) {
	best, found := p.policy.Versions.newestUpTo(limit, p.policy.AllowPreview)
	for _, v := range [2]Version{p.current.ControlPlane, p.target.ControlPlane} {
		if !v.SameMinor(limit) || limit.Less(v) || (found && !best.Less(v)) {
			continue
		}
		if class, ok := p.policy.Versions.Classification(v); ok && class.writable() {
			best, found = v, true
		}
	}
	return best, found
}

func (p *proposer) emit() {
	p.cps = append(p.cps, p.cp)
	for i, v := range p.pools {
		p.buf = append(p.buf, PoolVersion{Name: p.current.Pools[i].Name, Version: v})
	}
}

func (p *proposer) state() State {
	s := State{ControlPlane: p.cp, Pools: make([]PoolVersion, len(p.pools))}
	for i, v := range p.pools {
		s.Pools[i] = PoolVersion{Name: p.current.Pools[i].Name, Version: v}
	}
	return s
}
