package planner

import (
	"fmt"
	"strings"
)

// Current is the live shoot, as Gardener reports it.
type Current struct {
	ControlPlane Version
	// Pools are the worker pools with their effective versions (a pool that
	// inherits the control plane's version carries that version here). None
	// makes the shoot workerless.
	Pools []Pool
}

// Pool is a live worker pool.
type Pool struct {
	Name    string
	Version Version
	// InPlace is true for AutoInPlaceUpdate and ManualInPlaceUpdate pools,
	// which Gardener lets move only one minor at a time.
	InPlace bool
}

// Desired is what Git asks for.
type Desired struct {
	ControlPlane Version
	// Pools maps a pool name to its own target; a pool that is absent or has
	// a zero Version follows the control plane.
	Pools map[string]Version
}

// Policy says which versions a plan may use.
type Policy struct {
	// Versions is the shoot's CloudProfile. Every version a plan moves
	// anything onto must be listed there and be neither expired nor
	// unavailable.
	Versions *Catalog
	// AllowPreview lets the planner choose preview versions for intermediate
	// minors. Versions Git names explicitly may be preview regardless.
	AllowPreview bool
}

// State is the full set of versions of a shoot at one point of a plan.
type State struct {
	ControlPlane Version
	// Pools are in the order of Current.Pools.
	Pools []PoolVersion
}

// PoolVersion is one pool's version within a State.
type PoolVersion struct {
	Name    string
	Version Version
}

// String formats s as "control plane 1.33.4, pool a 1.33.4, pool b 1.31.2".
func (s State) String() string {
	var b strings.Builder
	b.WriteString("control plane ")
	b.WriteString(s.ControlPlane.String())
	for _, p := range s.Pools {
		fmt.Fprintf(&b, ", pool %s %s", p.Name, p.Version)
	}
	return b.String()
}

// Equal reports whether s and t hold the same versions for the same pools.
func (s State) Equal(t State) bool {
	if s.ControlPlane != t.ControlPlane || len(s.Pools) != len(t.Pools) {
		return false
	}
	for i := range s.Pools {
		if s.Pools[i] != t.Pools[i] {
			return false
		}
	}
	return true
}

// State returns the live versions as a State.
func (c Current) State() State {
	pools := make([]PoolVersion, len(c.Pools))
	for i, p := range c.Pools {
		pools[i] = PoolVersion{Name: p.Name, Version: p.Version}
	}
	return State{ControlPlane: c.ControlPlane, Pools: pools}
}

// Kept reports a live version left ahead of Git because Gardener's
// maintenance raised its patch: it is neither an error nor pushed back.
type Kept struct {
	Pool    string // empty for the control plane
	Desired Version
	Live    Version
}

// String formats k for people.
func (k Kept) String() string {
	what := "control plane"
	if k.Pool != "" {
		what = "pool " + k.Pool
	}
	return fmt.Sprintf("%s stays at %s (Git asks for %s; maintenance raised the patch)", what, k.Live, k.Desired)
}

// Result is a shoot's plan.
type Result struct {
	// Steps are applied in order; each is the full state after it. None
	// means the shoot is already where Git wants it.
	Steps []State
	// Target is the state the last step reaches.
	Target State
	// Kept lists live versions left ahead of Git.
	Kept []Kept
}

// Plan resolves the desired versions against the live ones, proposes steps
// with Propose and validates them.
func Plan(current Current, desired Desired, policy Policy) (Result, error) {
	return PlanWith(Propose, current, desired, policy)
}

// PlanWith is Plan with another proposer. Whatever it proposes must pass
// Validate.
func PlanWith(propose ProposeFunc, current Current, desired Desired, policy Policy) (Result, error) {
	target, kept, err := Resolve(current, desired)
	if err != nil {
		return Result{}, err
	}
	steps, err := propose(current, target, policy)
	if err != nil {
		return Result{}, err
	}
	if err := Validate(current, target, steps, policy); err != nil {
		return Result{}, fmt.Errorf("proposed plan is invalid: %w", err)
	}
	return Result{Steps: steps, Target: target, Kept: kept}, nil
}

// Change is one version moving within a step.
type Change struct {
	Pool     string // empty for the control plane
	From, To Version
}

// String formats c as "control plane 1.33.4 -> 1.34.3" or "pool b 1.31.2 -> 1.34.3".
func (c Change) String() string {
	what := "control plane"
	if c.Pool != "" {
		what = "pool " + c.Pool
	}
	return fmt.Sprintf("%s %s -> %s", what, c.From, c.To)
}

// Changes lists what moves from prev to next, the control plane first and
// then the pools in order. Both must hold the same pools in the same order.
func Changes(prev, next State) []Change {
	var changes []Change
	if prev.ControlPlane != next.ControlPlane {
		changes = append(changes, Change{From: prev.ControlPlane, To: next.ControlPlane})
	}
	for i := range min(len(prev.Pools), len(next.Pools)) {
		if prev.Pools[i].Version != next.Pools[i].Version {
			changes = append(changes, Change{Pool: next.Pools[i].Name, From: prev.Pools[i].Version, To: next.Pools[i].Version})
		}
	}
	return changes
}
