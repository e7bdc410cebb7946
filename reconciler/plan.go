package reconciler

import (
	"context"
	"fmt"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/expiry"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// ReadFailedReason: the live state could not be read; retried with backoff.
const ReadFailedReason = "ReadFailed"

var shootGVK = schema.GroupVersionKind{Group: clusters.ShootGroup, Version: "v1beta1", Kind: clusters.ShootKind}

// plan reads every rendered Shoot's live state, plans its versions from there
// and lets gate decide whether the next step goes now. Shoots that do not
// exist yet are created at their target. Everything about a Shoot that is not
// a version is applied right away, whatever the gate says.
func (e *engine) plan(ctx context.Context, sc *scope) error {
	models := map[string]*fleet.Shoot{}
	for i := range sc.build.fleet.Shoots {
		s := &sc.build.fleet.Shoots[i]
		models[s.Namespace+"/"+s.Name] = s
	}
	prev := e.prevShoots(sc)
	sc.shoots = nil
	for _, o := range sc.objects {
		if isShoot(o.GroupVersionKind()) {
			it := &shootItem{desired: o}
			it.model, it.prev = models[it.key()], prev[it.key()]
			sc.shoots = append(sc.shoots, it)
		}
	}

	live, err := e.liveShoots(ctx, sc)
	if err != nil {
		return transient(ReadFailedReason, err)
	}
	catalogs := &catalogCache{e: e, now: sc.now, byKey: map[string]catalogEntry{}}
	for _, it := range sc.shoots {
		it.live = live[it.key()]
		desired, err := it.desired.Decode()
		if err != nil {
			return terminal(ApplyFailedReason, fmt.Errorf("Shoot/%s: %w", it.key(), err))
		}
		e.planShoot(ctx, it, desired, catalogs)
	}

	sc.forced = forcedUpdates(sc)

	ready, err := e.externalReady(ctx, sc)
	if err != nil {
		return transient(ReadFailedReason, err)
	}
	in := gateInput{
		Now:         sc.now,
		StepTimeout: sc.fleet.GetStepTimeout().Duration,
		Waves:       sc.build.fleet.Waves,
		PrevWaves:   sc.prev.Waves,
		Ready:       ready,
		Shoots:      make([]gateShoot, len(sc.shoots)),
	}
	for i, it := range sc.shoots {
		in.Shoots[i] = it.gateShoot()
	}
	sc.gate = gate(in)

	byKey := map[string]clusters.Object{}
	for i, it := range sc.shoots {
		it.decision = sc.gate.Decisions[i]
		it.status = it.shootStatus(sc.now)
		if it.apply, err = it.objectToApply(); err != nil {
			return terminal(ApplyFailedReason, fmt.Errorf("Shoot/%s: %w", it.key(), err))
		}
		byKey[it.key()] = it.apply
		if it.decision.Proceed {
			e.event(sc, false, UpgradeEventReason, "Shoot/%s %s", it.key(), it.status.Message)
		}
	}
	sc.toApply = make([]clusters.Object, len(sc.objects))
	for i, o := range sc.objects {
		sc.toApply[i] = o
		if a, ok := byKey[o.Ref().Namespace+"/"+o.Ref().Name]; ok && isShoot(o.GroupVersionKind()) {
			sc.toApply[i] = a
		}
	}
	return nil
}

// planShoot computes one shoot's plan from its live state.
func (e *engine) planShoot(ctx context.Context, it *shootItem, desired *unstructured.Unstructured, catalogs *catalogCache) {
	if it.live == nil {
		// Created at the target: nothing to step through.
		it.rendered = stateOf(desired)
		it.step = shoot.Step{State: shoot.StepRunning, Message: "not created yet"}
		return
	}
	// The forecast of forced updates reads the profile of every live shoot.
	it.profile = catalogs.entry(ctx, desired)
	it.step = it.live.step
	cur, want, err := shootVersions(it.live.shootState, desired)
	if err != nil {
		it.planErr = err
		return
	}
	it.current = cur
	target, _, err := planner.Resolve(cur, want)
	if err != nil {
		it.planErr = err
		return
	}
	it.target = target
	if target.Equal(cur.State()) {
		return // no profile needed for a shoot at its target
	}
	cat, err := it.profile.cat, it.profile.err
	if err != nil {
		it.planErr = err
		return
	}
	allowPreview := it.model != nil && it.model.Rollout.AllowPreview
	res, err := planner.Plan(cur, want, planner.Policy{Versions: cat, AllowPreview: allowPreview})
	if err != nil {
		it.planErr = err
		return
	}
	it.target, it.steps = res.Target, res.Steps
}

func (it *shootItem) gateShoot() gateShoot {
	g := gateShoot{
		Name:        it.desired.Ref().Name,
		StepsLeft:   len(it.steps),
		Step:        it.step.State,
		StepMessage: it.step.Message,
		PlanErr:     it.planErr,
	}
	if it.model != nil {
		r := it.model.Rollout
		g.Name, g.Wave, g.DependsOn = it.model.Name, r.Wave, r.DependsOn
		g.ProceedWhileHibernated = r.WhileHibernated == "proceed"
	}
	if it.live != nil {
		g.Hibernated = it.live.hibernated
		if it.model != nil && it.model.Rollout.Window == fleet.WindowMaintenance {
			// Gardener rolls out within the live window, which it defaults.
			switch l := it.live; {
			case l.windowErr != nil:
				g.NoWindow = l.windowErr.Error()
			case l.window == nil:
				g.NoWindow = "the shoot has no spec.maintenance.timeWindow"
			default:
				g.Window = l.window.Next
			}
		}
	}
	if it.started() {
		g.Started = true
		g.AppliedAt, g.TimeoutFrom = it.appliedAt(), it.step.TimeoutFrom
	}
	return g
}

// appliedAt is when the last step was applied, as the last status says; zero
// when none is on its way.
func (it *shootItem) appliedAt() time.Time {
	if it.prev == nil || it.prev.StepStartedAt == nil {
		return time.Time{}
	}
	return it.prev.StepStartedAt.Time
}

// stepStart is when a step applied in the pass at now counts from: now, or
// the live operation's lastUpdateTime when that is later. An operation that
// ended after the pass began but before it read the Shoot is the previous
// step's; with confineSpecUpdateRollout the apply does not raise the
// generation, so only its time tells it from the new step's.
func (it *shootItem) stepStart(now time.Time) time.Time {
	if it.live != nil && it.live.lastOperationAt.After(now) {
		return it.live.lastOperationAt
	}
	return now
}

// started reports whether steps of the current plan were applied in an
// earlier pass: the last status has steps applied towards the same target.
func (it *shootItem) started() bool {
	return it.prev != nil && it.prev.CurrentStep > 0 && it.live != nil && it.planErr == nil &&
		it.prev.Target == it.target.String()
}

// shootStatus is the shoot's line in the Fleet's status after the decision.
func (it *shootItem) shootStatus(now time.Time) v1alpha1.ShootStatus {
	d := it.decision
	st := v1alpha1.ShootStatus{
		Name:      it.desired.Ref().Name,
		Namespace: it.desired.Ref().Namespace,
		Phase:     d.Phase,
		Reason:    d.Reason,
		Message:   d.Message,
		StepsLeft: int32(len(it.steps)),
	}
	if it.model != nil {
		st.Wave = it.model.Rollout.Wave
	}
	if it.live != nil {
		st.Hibernated, st.LastOperation = it.live.hibernated, it.live.lastOperation
		st.ControlPlane, st.Pools = liveVersions(it.live.shootState)
		if it.planErr == nil {
			st.Target = it.target.String()
		}
	} else {
		st.ControlPlane, st.Pools = liveVersions(it.rendered)
		st.Message = "created at its target"
	}
	switch {
	case d.Proceed:
		if it.started() {
			st.CurrentStep = it.prev.CurrentStep
		}
		st.CurrentStep++
		st.StepsLeft--
		st.StepStartedAt = &metav1.Time{Time: it.stepStart(now)}
		var changes []string
		for _, c := range planner.Changes(it.current.State(), it.steps[0]) {
			changes = append(changes, c.String())
		}
		st.Message = fmt.Sprintf("applying step %d/%d: %s", st.CurrentStep, st.CurrentStep+st.StepsLeft, strings.Join(changes, ", "))
	case it.started() && d.Phase != v1alpha1.ShootUpToDate:
		st.CurrentStep, st.StepStartedAt = it.prev.CurrentStep, it.prev.StepStartedAt
		st.Message = fmt.Sprintf("step %d/%d: %s", st.CurrentStep, st.CurrentStep+st.StepsLeft, d.Message)
	}
	return st
}

// objectToApply returns the rendered Shoot with the versions it may have now:
// the next step's when the gate let it go, else the live ones, encoded.
func (it *shootItem) objectToApply() (clusters.Object, error) {
	if it.live == nil {
		return it.desired, nil
	}
	desired, err := it.desired.Decode()
	if err != nil {
		return clusters.Object{}, err
	}
	var out *unstructured.Unstructured
	if it.decision.Proceed {
		out, err = withVersions(desired, it.live.shootState, it.steps[0])
	} else {
		out, err = withLiveVersions(desired, it.live.shootState)
	}
	if err != nil || out == desired {
		return it.desired, err
	}
	// Encoded again: when Gardener's maintenance raised the patch versions
	// of many shoots, each of them is a copy held to the end of the apply.
	objs, err := clusters.Encode(out)
	if err != nil {
		return clusters.Object{}, err
	}
	return objs[0], nil
}

// liveShoot is what a pass keeps of one live Shoot.
type liveShoot struct {
	shootState
	// step is read off the full Shoot, so its status need not be kept.
	step shoot.Step
	// forecast is what the forecast of forced updates reads of the Shoot
	// (expiry.Versions): keeping the whole Shoot made a no-op pass at 10,000
	// shoots hold about 145 MiB more, a typed Shoot with only its versions
	// some 17 MiB more.
	forecast *expiry.Versions
}

// observeLiveShoot reads a live Shoot once for both its state and whether
// Gardener is done with the step applied at appliedAt (zero: with any).
func observeLiveShoot(u *unstructured.Unstructured, appliedAt time.Time) *liveShoot {
	s, err := shoot.Read(u)
	if err != nil {
		return &liveShoot{shootState: shootState{err: err}, step: shoot.Step{State: shoot.StepRunning, Message: err.Error()}}
	}
	return &liveShoot{shootState: stateFrom(s), step: shoot.Confirm(s, appliedAt), forecast: expiry.VersionsOf(s)}
}

// liveShoots returns the live Shoots of the scope by namespace/name: one
// paged list of the Shoots this Fleet labelled, and a get for each rendered
// Shoot not among them (not created yet, or not applied by this Fleet yet)
// that exists; when many are not among them, a metadata list says which.
func (e *engine) liveShoots(ctx context.Context, sc *scope) (map[string]*liveShoot, error) {
	out := map[string]*liveShoot{}
	if len(sc.shoots) == 0 {
		return out, nil
	}
	applied := make(map[string]time.Time, len(sc.shoots))
	for _, it := range sc.shoots {
		applied[it.key()] = it.appliedAt()
	}
	err := sc.manager.ListOwned(ctx, shootGVK, func(u *unstructured.Unstructured) {
		key := u.GetNamespace() + "/" + u.GetName()
		out[key] = observeLiveShoot(u, applied[key])
	})
	if err != nil {
		return nil, fmt.Errorf("list shoots: %w", err)
	}
	var missing []*shootItem
	for _, it := range sc.shoots {
		if _, ok := out[it.key()]; !ok {
			missing = append(missing, it)
		}
	}
	exists := func(string) bool { return true }
	if len(missing) >= e.opts.Apply.ExistenceListThreshold {
		// Many not labelled by this Fleet (a cold start): one metadata list
		// tells which exist at all, instead of a get answered 404 per Shoot.
		names := map[string]bool{}
		if err := sc.manager.ListNames(ctx, shootGVK, func(namespace, name string) { names[namespace+"/"+name] = true }); err != nil {
			return nil, fmt.Errorf("list shoot names: %w", err)
		}
		exists = func(key string) bool { return names[key] }
	}
	for _, it := range missing {
		if !exists(it.key()) {
			continue
		}
		u, err := sc.manager.Live(ctx, it.desired.Ref().Object())
		if err != nil {
			return nil, getFailed(it.desired.Ref(), err)
		}
		if u != nil {
			out[it.key()] = observeLiveShoot(u, it.appliedAt())
		}
	}
	return out, nil
}

// getFailed says which get of a live object failed.
func getFailed(ref inventory.Ref, err error) error {
	return fmt.Errorf("get %s/%s/%s: %w", ref.Kind, ref.Namespace, ref.Name, err)
}

// externalReady tells, for each dependency of a shoot with steps left that
// is not among the scope's shoots, whether it is done: a lab when its
// Topology is ready, a shoot another Fleet applies when it is at its target
// and healthy. Only what some shoot waits on is read.
func (e *engine) externalReady(ctx context.Context, sc *scope) (map[string]bool, error) {
	inScope := map[string]bool{}
	for _, it := range sc.shoots {
		if it.model != nil {
			inScope[it.model.Name] = true
		}
	}
	rendered := map[string]clusters.Object{}
	for _, o := range sc.build.objects {
		if ref := o.Ref(); isShoot(o.GroupVersionKind()) || ref.Kind == "Topology" {
			rendered[ref.Kind+"/"+ref.Name] = o
		}
	}
	labs := map[string]bool{}
	for _, l := range sc.build.fleet.Labs {
		labs[l.Name] = true
	}
	ready := map[string]bool{}
	for _, it := range sc.shoots {
		if len(it.steps) == 0 || it.model == nil {
			continue
		}
		for _, dep := range it.model.Rollout.DependsOn {
			if _, seen := ready[dep]; seen || inScope[dep] {
				continue
			}
			kind := "Shoot"
			if labs[dep] {
				kind = "Topology"
			}
			obj, ok := rendered[kind+"/"+dep]
			if !ok {
				ready[dep] = false
				continue
			}
			live, err := sc.manager.Live(ctx, obj.Ref().Object())
			if err != nil {
				return nil, getFailed(obj.Ref(), err)
			}
			if live == nil {
				ready[dep] = false
				continue
			}
			desired, err := obj.Decode()
			if err != nil {
				return nil, err
			}
			ready[dep] = dependencyDone(desired, live)
		}
	}
	return ready, nil
}

// dependencyDone tells whether a lab's Topology is ready, or a Shoot is at
// the target Git gives it and healthy.
func dependencyDone(desired, live *unstructured.Unstructured) bool {
	if !isShoot(live.GroupVersionKind()) {
		return clusters.ObjectStatus(live).State == clusters.Ready
	}
	l := observeLiveShoot(live, time.Time{})
	if l.step.State != shoot.StepDone {
		return false
	}
	cur, want, err := shootVersions(l.shootState, desired)
	if err != nil {
		return false
	}
	target, _, err := planner.Resolve(cur, want)
	return err == nil && target.Equal(cur.State())
}

// catalogCache reads each CloudProfile a pass needs once.
type catalogCache struct {
	e     *engine
	now   time.Time
	byKey map[string]catalogEntry
}

type catalogEntry struct {
	cat  *planner.Catalog
	spec *gardencorev1beta1.CloudProfileSpec
	err  error
}

// entry reads the cloud profile of a rendered Shoot once per pass.
func (c *catalogCache) entry(ctx context.Context, desired *unstructured.Unstructured) catalogEntry {
	s, err := shoot.Read(desired)
	if err != nil {
		return catalogEntry{err: err}
	}
	kind, name := shoot.CloudProfile(s)
	namespace := ""
	if kind == "NamespacedCloudProfile" {
		namespace = desired.GetNamespace()
	}
	key := kind + "/" + namespace + "/" + name
	if ent, ok := c.byKey[key]; ok {
		return ent
	}
	ent := catalogEntry{}
	ent.cat, ent.spec, ent.err = c.read(ctx, kind, namespace, name)
	c.byKey[key] = ent
	return ent
}

func (c *catalogCache) read(ctx context.Context, kind, namespace, name string) (*planner.Catalog, *gardencorev1beta1.CloudProfileSpec, error) {
	if name == "" {
		return nil, nil, fmt.Errorf("the shoot names no cloud profile")
	}
	data, err := clusters.CloudProfile(ctx, c.e.client, kind, namespace, name)
	if err != nil {
		return nil, nil, fmt.Errorf("get %s %s: %w", kind, name, err)
	}
	versions, err := planner.DecodeCloudProfile(data, c.now)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	cat, err := planner.NewCatalog(versions)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	p, err := expiry.DecodeProfile(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return cat, p.Spec, nil
}

// forcedUpdates counts the live shoots that run a version expiring within
// v1alpha1.ForcedUpdateHorizon, by the cloud profiles Gardener holds. A
// shoot whose profile cannot be read is not counted: its plan says why.
func forcedUpdates(sc *scope) int {
	var shoots []expiry.Shoot
	for _, it := range sc.shoots {
		if it.live == nil || it.live.forecast == nil {
			continue
		}
		es := expiry.Shoot{Versions: it.live.forecast, Profile: it.profile.spec}
		if it.live.window != nil {
			es.Window = it.live.window.Next
		}
		shoots = append(shoots, es)
	}
	facing := map[string]bool{}
	for _, f := range expiry.Forecast(shoots, sc.now, v1alpha1.ForcedUpdateHorizon) {
		facing[f.Shoot] = true
	}
	return len(facing)
}
