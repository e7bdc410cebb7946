package reconciler

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// health sums up where the shoots stand after apply. Their health was read
// in plan, from the same live Shoots the gate decided on: a failed operation
// or a step past its timeout stalled that shoot (HealthCheckFailed), a shoot
// with no plan stalled too (PlanRejected). Neither fails the pass: the rest of
// the fleet goes on, and the Ready condition says which shoots stalled.
func (e *engine) health(sc *scope) {
	c := countPhases(sc)
	sc.health = &c
	for _, it := range sc.shoots {
		if it.status.Phase == v1alpha1.ShootStalled && (it.prev == nil || it.prev.Phase != v1alpha1.ShootStalled) {
			reason := HealthCheckFailedReason
			if it.status.Reason == PlanRejectedReason {
				reason = PlanRejectedReason
			}
			e.event(sc, true, reason, "Shoot/%s stalled: %s", it.key(), it.status.Message)
		}
	}
}

// record writes what the pass did into the status: the inventory, the
// revision, counts of the shoots by phase and wave, and the shoots (those
// not up to date in a fleet of more than v1alpha1.MaxListedShoots, at most
// that many of them), so the Fleet
// stays well under etcd's request limit at any size. Every shoot's state
// goes to the in-memory view the dashboard serves (publishShoots).
// Conditions are set by setConditions, which also runs when a phase failed.
func (e *engine) record(sc *scope) {
	st := &sc.fleet.Status
	st.Inventory = toStatusInventory(*sc.inventory)
	st.LastAppliedRevision = sc.artifact.Revision
	sc.done = true

	shoots := make([]v1alpha1.ShootStatus, 0, len(sc.shoots))
	for _, it := range sc.shoots {
		shoots = append(shoots, it.status)
	}
	sortShoots(shoots)
	e.publishShoots(sc, shoots)

	counts := v1alpha1.ShootCounts{}
	for i := range shoots {
		counts.Add(shoots[i].Phase)
	}
	st.ShootCounts, st.ShootsUpToDate = &counts, counts.UpToDate
	st.Shoots, st.ShootsNotListed = listedShoots(shoots, v1alpha1.MaxListedShoots)
	st.Waves = waveStatuses(sc)
	st.ShootsFacingForcedUpdate = int32(sc.forced)
}

// sortShoots sorts shoot states by namespace and name.
func sortShoots(shoots []v1alpha1.ShootStatus) {
	slices.SortFunc(shoots, func(a, b v1alpha1.ShootStatus) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
}

// listRank orders the shoots not up to date by how much their line matters:
// stalled first, then a step on its way (its line also carries the step's
// start to the next pass, see prevShoots), then the rest by phase.
func listRank(s *v1alpha1.ShootStatus) int {
	switch {
	case s.Phase == v1alpha1.ShootStalled:
		return 0
	case s.CurrentStep > 0:
		return 1
	case s.Phase == v1alpha1.ShootUpgrading:
		return 2
	case s.Phase == v1alpha1.ShootWaiting:
		return 3
	}
	return 4
}

// listedShoots picks the lines the status lists: all of sorted when they
// fit within limit, else the shoots not up to date, at most limit of them by
// listRank, sorted by namespace and name; it counts those left out.
func listedShoots(sorted []v1alpha1.ShootStatus, limit int) ([]v1alpha1.ShootStatus, int32) {
	if len(sorted) <= limit {
		return slices.Clone(sorted), 0
	}
	var out []v1alpha1.ShootStatus
	for _, s := range sorted {
		if s.Phase != v1alpha1.ShootUpToDate {
			out = append(out, s)
		}
	}
	if len(out) <= limit {
		return out, 0
	}
	// A stable sort keeps namespace and name order within a rank.
	slices.SortStableFunc(out, func(a, b v1alpha1.ShootStatus) int { return listRank(&a) - listRank(&b) })
	left := int32(len(out) - limit)
	out = out[:limit]
	sortShoots(out)
	return out, left
}

// waveStatuses is the gate's waves with their shoots counted by phase and
// when their bake time ends.
func waveStatuses(sc *scope) []v1alpha1.WaveStatus {
	if len(sc.gate.Waves) == 0 {
		return nil
	}
	bake := map[string]time.Duration{}
	for _, w := range sc.build.fleet.Waves {
		bake[w.Name] = w.BakeTime
	}
	counts := map[string]*v1alpha1.ShootCounts{}
	for _, it := range sc.shoots {
		// As gate does: a shoot of no declared wave joins the last.
		w := noWave
		if it.model != nil {
			if _, ok := bake[it.model.Rollout.Wave]; ok {
				w = it.model.Rollout.Wave
			}
		}
		if counts[w] == nil {
			counts[w] = &v1alpha1.ShootCounts{}
		}
		counts[w].Add(it.status.Phase)
	}
	out := make([]v1alpha1.WaveStatus, len(sc.gate.Waves))
	for i, w := range sc.gate.Waves {
		w.Shoots = counts[w.Name]
		if d := bake[w.Name]; w.CompletedAt != nil && d > 0 {
			w.BakeUntil = &metav1.Time{Time: w.CompletedAt.Add(d)}
		}
		out[i] = w
	}
	return out
}

// setConditions sets Ready, Reconciling and Stalled from how the pass ended.
//
//   - A terminal error: Ready=False and Stalled=True with the phase's reason.
//   - A transient error: Ready=False with the phase's reason, Reconciling=True.
//   - Applied, with a shoot stalled: Ready=False (PlanRejected or
//     HealthCheckFailed); the other shoots go on.
//   - Applied, with shoots on their way: Ready=Unknown, Reconciling=True.
//   - Applied, every shoot at its target or held while hibernated: Ready=True.
func setConditions(sc *scope, err error) {
	f := sc.fleet
	rev := sc.artifact.Revision
	switch {
	case err != nil && isTerminal(err):
		msg := err.Error()
		conditions.MarkFalse(f, meta.ReadyCondition, reasonOf(err), "%s", msg)
		conditions.MarkStalled(f, reasonOf(err), "%s", msg)
		conditions.Delete(f, meta.ReconcilingCondition)
	case err != nil:
		msg := err.Error()
		if last := f.Status.LastAppliedRevision; last != "" {
			msg += "; revision " + last + " stays applied"
		}
		conditions.MarkFalse(f, meta.ReadyCondition, reasonOf(err), "%s", msg)
		conditions.MarkReconciling(f, ProgressingWithRetryReason, "%s", msg)
		conditions.Delete(f, meta.StalledCondition)
	default:
		c := countPhases(sc)
		if sc.health != nil {
			c = *sc.health
		}
		conditions.Delete(f, meta.StalledCondition)
		summary := c.summary()
		msg := "applied revision " + rev
		if summary != "" {
			msg += "; " + summary
		}
		if n := len(sc.awaitingConfirmation); n > 0 {
			msg += fmt.Sprintf("; %s removed from Git await deletion confirmation", plural(n, "shoot"))
		}
		switch {
		case c.stalled > 0:
			reason := HealthCheckFailedReason
			if c.planRejected > 0 {
				reason = PlanRejectedReason
			}
			conditions.MarkFalse(f, meta.ReadyCondition, reason, "%s", msg)
		case c.upgrading+c.waiting > 0:
			conditions.MarkUnknown(f, meta.ReadyCondition, ProgressingReason, "%s", msg)
		default:
			conditions.MarkTrue(f, meta.ReadyCondition, SucceededReason, "%s", msg)
		}
		if c.upgrading+c.waiting > 0 {
			conditions.MarkReconciling(f, ProgressingReason, "%s", msg)
		} else {
			conditions.Delete(f, meta.ReconcilingCondition)
		}
	}
}

type phaseCounts struct {
	upgrading, waiting, held, stalled, planRejected int
	stalledNames                                    []string
}

func countPhases(sc *scope) phaseCounts {
	var c phaseCounts
	for _, it := range sc.shoots {
		switch it.status.Phase {
		case v1alpha1.ShootUpgrading:
			c.upgrading++
		case v1alpha1.ShootWaiting:
			c.waiting++
		case v1alpha1.ShootHeld:
			c.held++
		case v1alpha1.ShootStalled:
			c.stalled++
			c.stalledNames = append(c.stalledNames, it.key())
			if it.status.Reason == PlanRejectedReason {
				c.planRejected++
			}
		}
	}
	return c
}

// summary says what is not up to date, e.g. "1 shoot upgrading, 2 waiting;
// stalled: garden-dev/a".
func (c phaseCounts) summary() string {
	var parts []string
	if c.upgrading > 0 {
		parts = append(parts, plural(c.upgrading, "shoot")+" upgrading")
	}
	if c.waiting > 0 {
		parts = append(parts, fmt.Sprintf("%d waiting", c.waiting))
	}
	if c.held > 0 {
		parts = append(parts, fmt.Sprintf("%d held while hibernated", c.held))
	}
	if c.stalled > 0 {
		parts = append(parts, fmt.Sprintf("%d stalled (%s)", c.stalled, strings.Join(c.stalledNames, ", ")))
	}
	return strings.Join(parts, ", ")
}

// toStatusInventory turns an inventory into its status form: names grouped
// by type and namespace, all sorted.
func toStatusInventory(inv inventory.Inventory) *v1alpha1.ResourceInventory {
	refs := slices.Clone(inv.Entries)
	slices.SortFunc(refs, func(a, b inventory.Ref) int {
		return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Version, b.Version),
			strings.Compare(a.Kind, b.Kind), strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
	out := &v1alpha1.ResourceInventory{Types: []v1alpha1.InventoryType{}}
	for _, r := range refs {
		n := len(out.Types)
		if n == 0 || out.Types[n-1].Group != r.Group || out.Types[n-1].Version != r.Version || out.Types[n-1].Kind != r.Kind {
			out.Types = append(out.Types, v1alpha1.InventoryType{Group: r.Group, Version: r.Version, Kind: r.Kind})
			n++
		}
		t := &out.Types[n-1]
		m := len(t.Namespaces)
		if m == 0 || t.Namespaces[m-1].Namespace != r.Namespace {
			t.Namespaces = append(t.Namespaces, v1alpha1.InventoryNamespace{Namespace: r.Namespace})
			m++
		}
		t.Namespaces[m-1].Names = append(t.Namespaces[m-1].Names, r.Name)
	}
	return out
}

// statusInventory reads the status form back, and the form of Flux's
// inventory Fleets written before it hold. Entries of that form that do not
// parse are dropped: names, namespaces, groups and kinds never contain "_".
func statusInventory(inv *v1alpha1.ResourceInventory) inventory.Inventory {
	if inv == nil {
		return inventory.Inventory{}
	}
	refs := make([]inventory.Ref, 0, inv.Len())
	for _, t := range inv.Types {
		for _, ns := range t.Namespaces {
			for _, name := range ns.Names {
				refs = append(refs, inventory.Ref{Group: t.Group, Version: t.Version, Kind: t.Kind, Namespace: ns.Namespace, Name: name})
			}
		}
	}
	for _, e := range inv.Entries {
		parts := strings.Split(e.ID, "_")
		if len(parts) != 4 {
			continue
		}
		refs = append(refs, inventory.Ref{Namespace: parts[0], Name: parts[1], Group: parts[2], Kind: parts[3], Version: e.Version})
	}
	return inventory.FromRefs(refs...)
}
