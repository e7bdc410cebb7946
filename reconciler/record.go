package reconciler

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"

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
// revision and where each shoot and wave stands. Conditions are set by
// setConditions, which also runs when a phase failed.
func (e *engine) record(sc *scope) {
	st := &sc.fleet.Status
	st.Inventory = toStatusInventory(*sc.inventory)
	st.LastAppliedRevision = sc.artifact.Revision
	sc.done = true

	shoots := make([]v1alpha1.ShootStatus, 0, len(sc.shoots))
	upToDate := 0
	for _, it := range sc.shoots {
		if it.status.Phase == v1alpha1.ShootUpToDate {
			upToDate++
		}
		shoots = append(shoots, it.status)
	}
	sort.Slice(shoots, func(i, j int) bool {
		if shoots[i].Namespace != shoots[j].Namespace {
			return shoots[i].Namespace < shoots[j].Namespace
		}
		return shoots[i].Name < shoots[j].Name
	})
	if len(shoots) > v1alpha1.MaxListedShoots {
		kept := shoots[:0]
		for _, s := range shoots {
			if s.Phase != v1alpha1.ShootUpToDate {
				kept = append(kept, s)
			}
		}
		shoots = kept
	}
	if len(shoots) == 0 {
		shoots = nil
	}
	st.Shoots, st.ShootsUpToDate = shoots, int32(upToDate)
	st.Waves = sc.gate.Waves
	st.ShootsFacingForcedUpdate = int32(sc.forced)
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

// toStatusInventory turns an inventory into its compact status form.
func toStatusInventory(inv inventory.Inventory) *v1alpha1.ResourceInventory {
	out := &v1alpha1.ResourceInventory{Entries: make([]v1alpha1.ResourceRef, 0, inv.Len())}
	for _, r := range inv.Entries {
		out.Entries = append(out.Entries, v1alpha1.ResourceRef{
			ID:      strings.Join([]string{r.Namespace, r.Name, r.Group, r.Kind}, "_"),
			Version: r.Version,
		})
	}
	sort.Slice(out.Entries, func(i, j int) bool { return out.Entries[i].ID < out.Entries[j].ID })
	return out
}

// statusInventory reads the status form back. Entries that do not parse are
// dropped: names, namespaces, groups and kinds never contain "_".
func statusInventory(inv *v1alpha1.ResourceInventory) inventory.Inventory {
	if inv == nil {
		return inventory.Inventory{}
	}
	refs := make([]inventory.Ref, 0, len(inv.Entries))
	for _, e := range inv.Entries {
		parts := strings.Split(e.ID, "_")
		if len(parts) != 4 {
			continue
		}
		refs = append(refs, inventory.Ref{Namespace: parts[0], Name: parts[1], Group: parts[2], Kind: parts[3], Version: e.Version})
	}
	return inventory.FromRefs(refs...)
}
