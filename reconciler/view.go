package reconciler

import (
	"k8s.io/apimachinery/pkg/types"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// NOTE: the Fleet's status lists at most v1alpha1.MaxListedShoots shoots, so
// that it fits etcd at any fleet size. Every shoot's state, the same lines
// record builds the status from, stays in memory: the next pass reads its
// predecessor's steps from there (prevShoots), and the dashboard serves it
// (FleetReconciler.Shoots). There is no second model of the state: the view
// is what the last pass recorded, replaced whole by the next.

// publishShoots keeps every shoot's state of the pass, sorted by namespace
// and name, as the Fleet's view. The slice is never changed afterwards.
func (e *engine) publishShoots(sc *scope, shoots []v1alpha1.ShootStatus) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sc.state.shoots = shoots
}

// prevShoots is each shoot's state as the last pass left it, by
// namespace/name: the status' lines, and for the shoots the status leaves out
// the in-memory view of this process' last pass. After a restart only the
// status' lines are known; a shoot it left out plans as if no step of its
// plan were applied yet (its step count restarts, and its timeout counts from
// the next step). Stalled shoots and shoots with a step on their way are
// listed first, so this only happens beyond MaxListedShoots of them.
func (e *engine) prevShoots(sc *scope) map[string]*v1alpha1.ShootStatus {
	e.mu.Lock()
	view := sc.state.shoots
	e.mu.Unlock()
	out := make(map[string]*v1alpha1.ShootStatus, len(view))
	for i := range view {
		s := &view[i]
		out[s.Namespace+"/"+s.Name] = s
	}
	// The stored status wins: another daemon may have written it since.
	for i := range sc.prev.Shoots {
		s := &sc.prev.Shoots[i]
		out[s.Namespace+"/"+s.Name] = s
	}
	return out
}

// Shoots returns every shoot's state as the last pass over the Fleet
// recorded it, sorted by namespace and name; false when this process has
// not reconciled the Fleet (a standby replica, another shard, or no pass
// since it started). The caller must not change the slice.
func (r *FleetReconciler) Shoots(key types.NamespacedName) ([]v1alpha1.ShootStatus, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.engine.fleets[key]
	if !ok || st.shoots == nil {
		return nil, false
	}
	return st.shoots, true
}
