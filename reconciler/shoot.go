package reconciler

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// worker is the part of a Shoot's spec.provider.workers[] entry the planner needs.
type worker struct {
	name    string
	version string // explicit kubernetes.version; empty inherits the control plane's
	inPlace bool
}

func workersOf(s *shoot.Shoot) []worker {
	out := make([]worker, len(s.Spec.Provider.Workers))
	for i := range s.Spec.Provider.Workers {
		w := &s.Spec.Provider.Workers[i]
		out[i] = worker{name: w.Name, version: shoot.PoolVersion(w), inPlace: shoot.InPlace(w)}
	}
	return out
}

// shootState is what planning and gating read of a live Shoot: a pass keeps
// it for every Shoot instead of the object.
type shootState struct {
	controlPlane string   // spec.kubernetes.version
	pools        []worker // spec.provider.workers
	// hibernated: the Shoot is, or is about to be, asleep (status.hibernated
	// or spec.hibernation.enabled).
	hibernated bool
	// window is spec.maintenance.timeWindow, nil when none is set;
	// windowErr says why it cannot be read.
	window    *shoot.Window
	windowErr error
	// lastOperation is Gardener's last operation on the Shoot, nil when it
	// reports none (or for a rendered Shoot).
	lastOperation *v1alpha1.LastOperation
	// lastOperationAt is the last operation's lastUpdateTime.
	lastOperationAt time.Time
	// err: the Shoot could not be read; nothing is planned for it.
	err error
}

func stateFrom(s *shoot.Shoot) shootState {
	st := shootState{controlPlane: s.Spec.Kubernetes.Version, pools: workersOf(s), hibernated: shoot.Hibernated(s)}
	if op := s.Status.LastOperation; op != nil {
		st.lastOperation = &v1alpha1.LastOperation{Type: string(op.Type), State: string(op.State)}
		st.lastOperationAt = op.LastUpdateTime.Time
	}
	st.window, st.windowErr = shoot.MaintenanceWindow(s)
	return st
}

func stateOf(u *unstructured.Unstructured) shootState {
	s, err := shoot.Read(u)
	if err != nil {
		return shootState{err: err}
	}
	return stateFrom(s)
}

// shootVersions turns a live Shoot and the rendered one into the planner's
// input. Only pools both have are planned: a pool Git adds is created with the
// step's versions, one Git drops is removed, right away, as any change that
// is not a version.
func shootVersions(live shootState, desired *unstructured.Unstructured) (planner.Current, planner.Desired, error) {
	var cur planner.Current
	var want planner.Desired
	if live.err != nil {
		return cur, want, live.err
	}
	rendered := stateOf(desired)
	if rendered.err != nil {
		return cur, want, rendered.err
	}
	cp, err := planner.ParseVersion(live.controlPlane)
	if err != nil {
		return cur, want, fmt.Errorf("live control plane: %w", err)
	}
	cur.ControlPlane = cp
	if want.ControlPlane, err = planner.ParseVersion(rendered.controlPlane); err != nil {
		return cur, want, fmt.Errorf("desired control plane: %w", err)
	}

	byName := map[string]worker{}
	for _, w := range rendered.pools {
		byName[w.name] = w
	}
	for _, w := range live.pools {
		r, ok := byName[w.name]
		if !ok {
			continue
		}
		v := cp
		if w.version != "" {
			if v, err = planner.ParseVersion(w.version); err != nil {
				return cur, want, fmt.Errorf("live pool %s: %w", w.name, err)
			}
		}
		// Either strategy in place means no minor may be skipped: the
		// rendered one is applied together with the step.
		cur.Pools = append(cur.Pools, planner.Pool{Name: w.name, Version: v, InPlace: w.inPlace || r.inPlace})
		if r.version != "" {
			pv, err := planner.ParseVersion(r.version)
			if err != nil {
				return cur, want, fmt.Errorf("desired pool %s: %w", w.name, err)
			}
			if want.Pools == nil {
				want.Pools = map[string]planner.Version{}
			}
			want.Pools[w.name] = pv
		}
	}
	return cur, want, nil
}

// withVersions returns a copy of the rendered Shoot carrying the versions of
// state s (shoot.WithVersions).
func withVersions(desired *unstructured.Unstructured, live shootState, s planner.State) (*unstructured.Unstructured, error) {
	pools := make(map[string]string, len(s.Pools))
	for _, p := range s.Pools {
		pools[p.Name] = p.Version.String()
	}
	return shoot.WithVersions(desired, live.explicitPools(), s.ControlPlane.String(), pools)
}

// explicitPools are the live pools with a version of their own.
func (live shootState) explicitPools() map[string]bool {
	out := make(map[string]bool, len(live.pools))
	for _, w := range live.pools {
		out[w.name] = w.version != ""
	}
	return out
}

// liveVersions reports a live Shoot's control plane and effective pool
// versions for the status.
func liveVersions(live shootState) (string, map[string]string) {
	cp := live.controlPlane
	if len(live.pools) == 0 {
		return cp, nil
	}
	pools := make(map[string]string, len(live.pools))
	for _, w := range live.pools {
		v := w.version
		if v == "" {
			v = cp
		}
		pools[w.name] = v
	}
	return cp, pools
}

// withLiveVersions returns the rendered Shoot carrying the live Shoot's
// versions as they are (shoot.WithLiveVersions): the rendered Shoot itself
// when it carries them already.
func withLiveVersions(desired *unstructured.Unstructured, live shootState) (*unstructured.Unstructured, error) {
	pools := make(map[string]string, len(live.pools))
	for _, w := range live.pools {
		pools[w.name] = w.version
	}
	return shoot.WithLiveVersions(desired, live.controlPlane, pools)
}
