package reconciler

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// apply server-side applies the objects with each live Shoot's versions as
// the plan phase set them. Unchanged objects cost no request of their own, so
// running it every interval corrects drift cheaply. What was applied before a
// failure stays in the inventory.
func (e *engine) apply(ctx context.Context, sc *scope) error {
	ctx, cancel := context.WithTimeout(ctx, sc.fleet.GetTimeout().Duration)
	defer cancel()
	cs, err := sc.manager.Apply(ctx, sc.toApply, e.opts.Apply)
	sc.applied = cs
	e.metrics.objectsApplied(sc.fleet, cs)
	if err != nil {
		// Track what did get applied, so a later prune finds it.
		inv := inventory.Merge(statusInventory(sc.prev.Inventory), cs.Inventory())
		sc.inventory = &inv
		isTerminal := applyErrorIsTerminal(err)
		err = fmt.Errorf("apply revision %s: %w", sc.artifact.Revision, summarize(err, maxListedErrors))
		e.event(sc, true, ApplyFailedReason, "%s", err.Error())
		if isTerminal {
			return terminal(ApplyFailedReason, err)
		}
		return transient(ApplyFailedReason, err)
	}
	if n := cs.Count(clusters.Created) + cs.Count(clusters.Configured); n > 0 {
		e.event(sc, false, AppliedEventReason, "revision %s: %s", sc.artifact.Revision, cs.Summary())
	}
	return nil
}

// prune deletes the objects of the last inventory that the revision no longer
// has, when spec.prune is on. The deletion guard decides first and nothing is
// deleted when it refuses. Shoots are deleted only with confirmShootDeletion;
// otherwise they stay, and stay tracked, until someone confirms by hand. Any
// object not deleted is merged back into the inventory so nothing is
// orphaned.
func (e *engine) prune(ctx context.Context, sc *scope) error {
	want := inventory.FromRefs(clusters.Refs(sc.toApply)...)
	if !sc.fleet.Spec.Prune {
		sc.inventory = &want
		return nil
	}
	old := statusInventory(sc.prev.Inventory)
	stale := inventory.Diff(old, want)
	if stale.Len() == 0 {
		sc.inventory = &want
		return nil
	}
	guard := inventory.GuardOptions{
		AllowShootDeletion: sc.fleet.Spec.DeletionGuard != nil && sc.fleet.Spec.DeletionGuard.AllowShootDeletion,
		MaxShootPercent:    int(sc.fleet.GetMaxShootPercent()),
	}
	// Refused, nothing is deleted and everything stays tracked.
	if err := inventory.GuardDeletion(old, want, guard); err != nil {
		kept := inventory.Merge(want, stale)
		sc.inventory = &kept
		e.event(sc, true, PruneRefusedReason, "%s", err.Error())
		return terminal(PruneRefusedReason, fmt.Errorf("prune revision %s: %w", sc.artifact.Revision, err))
	}

	desired := want
	if !sc.fleet.Spec.ConfirmShootDeletion {
		// Listing the stale shoots as desired keeps Prune off them.
		var awaiting []inventory.Ref
		for _, r := range stale.Entries {
			if r.Group == clusters.ShootGroup && r.Kind == clusters.ShootKind {
				awaiting = append(awaiting, r)
			}
		}
		sc.awaitingConfirmation = append(sc.awaitingConfirmation, awaiting...)
		desired = inventory.Merge(want, inventory.FromRefs(awaiting...))
		guard.AllowShootDeletion = false
	}

	ctx, cancel := context.WithTimeout(ctx, sc.fleet.GetTimeout().Duration)
	defer cancel()
	cs, err := sc.manager.Prune(ctx, old, desired, clusters.PruneOptions{Guard: guard, PropagationPolicy: clusters.DefaultPruneOptions().PropagationPolicy})
	sc.pruned = cs
	e.metrics.objectsApplied(sc.fleet, cs)
	survivors := inventory.Diff(stale, cs.Inventory(clusters.Deleted))
	next := inventory.Merge(want, survivors)
	sc.inventory = &next
	if deleted := cs.Inventory(clusters.Deleted); deleted.Len() > 0 {
		names := make([]string, 0, deleted.Len())
		for _, r := range deleted.Entries {
			names = append(names, r.String())
		}
		e.event(sc, false, PrunedEventReason, "revision %s: deleted %s", sc.artifact.Revision, strings.Join(names, ", "))
	}
	if err != nil {
		err = fmt.Errorf("prune revision %s: %w", sc.artifact.Revision, err)
		e.event(sc, true, PruneFailedReason, "%s", err.Error())
		if errors.Is(err, inventory.ErrDeletionRefused) {
			return terminal(PruneRefusedReason, err)
		}
		return transient(PruneFailedReason, err)
	}
	return nil
}
