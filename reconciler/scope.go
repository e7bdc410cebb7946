package reconciler

import (
	"time"

	"github.com/go-logr/logr"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
)

// scope is the state of one pass over one Fleet. Phases read what earlier
// phases left in it and add their own results; nothing in it outlives the pass
// except what record writes into fleet.Status.
type scope struct {
	// fleet is the Fleet being reconciled; its Status is rewritten by the
	// pass and patched once at the end.
	fleet *v1alpha1.Fleet
	// prev is the status as the pass found it.
	prev v1alpha1.FleetStatus
	// written is the Fleet as last written to the API server, the base of
	// the next status patch.
	written *v1alpha1.Fleet
	// now is the pass's time, so every decision sees the same clock.
	now time.Time
	log logr.Logger

	manager *clusters.Manager
	state   *fleetState

	// fetch
	artifact source.Artifact
	// build
	build *buildResult
	// objects are the rendered objects this Fleet applies (its shoot
	// selector applied), in apply order, as rendered.
	objects []clusters.Object
	// plan
	shoots []*shootItem
	gate   gateOutput
	// forced counts the shoots facing a forced update soon.
	forced int
	// toApply is objects with each live Shoot's versions set by its plan.
	toApply []clusters.Object
	// apply
	applied *clusters.ChangeSet
	// prune
	pruned *clusters.ChangeSet
	// awaitingConfirmation are stale Shoots left in place because
	// confirmShootDeletion is off.
	awaitingConfirmation []inventory.Ref
	// health counts the shoots by phase once the pass applied its revision.
	health *phaseCounts
	// inventory is what the Fleet tracks after the pass.
	inventory *inventory.Inventory
	// done is true when the revision was applied (and pruned) in full.
	done bool
}

// shootItem is one rendered Shoot and where its upgrade stands.
type shootItem struct {
	model *fleet.Shoot // rollout settings; nil for a Shoot only the overlay adds
	// desired is the rendered Shoot, decoded only while a step of the pass
	// reads it: 5,000 decoded Shoots are some 50 MB.
	desired clusters.Object
	// rendered is the rendered Shoot's state, for a Shoot not created yet.
	rendered shootState
	live     *liveShoot // nil when the Shoot does not exist yet
	// profile is the cloud profile the Shoot names, read once per pass.
	profile catalogEntry

	current planner.Current
	target  planner.State
	steps   []planner.State
	planErr error
	step    shoot.Step

	prev     *v1alpha1.ShootStatus
	decision gateDecision
	status   v1alpha1.ShootStatus
	// apply is the object to apply: desired with the versions of the step
	// decided on, or the live ones while the shoot waits.
	apply clusters.Object
}

func (s *shootItem) key() string { return s.desired.Ref().Namespace + "/" + s.desired.Ref().Name }
