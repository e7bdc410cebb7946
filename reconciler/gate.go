package reconciler

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// gateShoot is what the gate knows of one shoot: where its plan stands and
// where it sits in the fleet's order. It holds no object, so gate stays pure.
type gateShoot struct {
	// Name is the fleet's name of the shoot, which dependsOn refers to.
	Name      string
	Wave      string
	DependsOn []string
	// Hibernated shoots hold their steps unless ProceedWhileHibernated.
	Hibernated             bool
	ProceedWhileHibernated bool
	// StepsLeft counts the steps from the live versions to the target.
	StepsLeft int
	// Step is shoot.Confirm's verdict on the live shoot since its last step
	// was applied (since ever when none was): Done when Gardener finished it
	// and the shoot is healthy.
	Step        shoot.StepState
	StepMessage string
	// Window confines the start of each step to the shoot's maintenance
	// time window (rollout window "maintenance"); nil starts steps whenever
	// the rest allows. NoWindow says why a shoot that asks for one has none.
	Window   planner.Window
	NoWindow string
	// PlanErr says why no plan reaches the target; the shoot then stalls.
	PlanErr error
	// Started is true when steps of the current plan were applied already
	// (kept in the Fleet's status, so a restart resumes it); TimeoutFrom is
	// when the last one's timeout started counting: when it was applied, or
	// when the maintenance window it waits for began.
	Started     bool
	AppliedAt   time.Time
	TimeoutFrom time.Time
}

// gateInput is everything gate decides on.
type gateInput struct {
	Now         time.Time
	StepTimeout time.Duration
	// Waves in the fleet's order; shoots without a wave go after them all.
	Waves []fleet.Wave
	// PrevWaves is the status of the waves the last pass recorded.
	PrevWaves []v1alpha1.WaveStatus
	Shoots    []gateShoot
	// Ready says whether a dependency that is not among Shoots (a lab, or a
	// shoot another Fleet object applies) is done.
	Ready map[string]bool
}

// gateDecision is what happens to one shoot's versions in this pass.
type gateDecision struct {
	Phase   v1alpha1.ShootPhase
	Reason  string
	Message string
	// Proceed applies the plan's next step; otherwise the live versions stay.
	Proceed bool
}

// gateOutput holds one decision per input shoot, in the same order.
type gateOutput struct {
	Decisions []gateDecision
	Waves     []v1alpha1.WaveStatus
	// Busy is true while some shoot is on its way (upgrading or waiting for
	// something other than time or a person): the caller polls soon.
	Busy bool
	// Wake is how long until a wave's bake time ends; zero when none bakes.
	Wake time.Duration
}

// noWave names the implicit last wave of shoots that join none.
const noWave = ""

// gate decides, for every shoot with steps left, whether its next step may be
// applied now. It is pure: the same input gives the same output.
//
//   - A failed operation, a step running longer than StepTimeout or a plan
//     error stalls that shoot alone.
//   - A shoot whose operation is still running keeps its live versions.
//   - A hibernated shoot holds its steps unless it may proceed.
//   - A shoot waits until each dependency is at its target and healthy.
//   - Waves go in order: one starts once every shoot of every earlier wave is
//     at its target and healthy and the bake time of the wave before has
//     passed since it completed. Within a wave at most MaxParallel shoots
//     upgrade at once; a shoot that has started keeps its slot until it is
//     done (also when it stalls: a failure halts a serialized wave).
func gate(in gateInput) gateOutput {
	out := gateOutput{Decisions: make([]gateDecision, len(in.Shoots))}
	candidate := make([]bool, len(in.Shoots))

	// Decisions that need nothing but the shoot itself.
	for i, s := range in.Shoots {
		d := &out.Decisions[i]
		switch {
		case s.PlanErr != nil:
			*d = gateDecision{Phase: v1alpha1.ShootStalled, Reason: PlanRejectedReason,
				Message: fmt.Sprintf("no plan reaches the target: %v", s.PlanErr)}
		case s.Step == shoot.StepFailed:
			reason := OperationFailedReason
			if s.Started {
				reason = StepFailedReason
			}
			*d = gateDecision{Phase: v1alpha1.ShootStalled, Reason: reason, Message: s.StepMessage}
		case s.Step != shoot.StepDone && s.Started && in.StepTimeout > 0 && !in.Now.Before(s.TimeoutFrom.Add(in.StepTimeout)):
			*d = gateDecision{Phase: v1alpha1.ShootStalled, Reason: StepTimedOutReason,
				Message: fmt.Sprintf("step not done %s after %s: %s", in.StepTimeout, timeoutStart(s), s.StepMessage)}
		case s.Step == shoot.StepWaitingForWindow && s.Started:
			*d = gateDecision{Phase: v1alpha1.ShootUpgrading, Reason: MaintenanceWindowReason, Message: s.StepMessage}
		case s.Step != shoot.StepDone && s.Started:
			*d = gateDecision{Phase: v1alpha1.ShootUpgrading, Reason: StepInProgressReason,
				Message: fmt.Sprintf("step in progress: %s", s.StepMessage)}
		case s.Step != shoot.StepDone && s.StepsLeft > 0:
			*d = gateDecision{Phase: v1alpha1.ShootWaiting, Reason: OperationInProgressReason,
				Message: fmt.Sprintf("operation in progress: %s", s.StepMessage)}
		case s.StepsLeft == 0:
			*d = gateDecision{Phase: v1alpha1.ShootUpToDate}
		default:
			candidate[i] = true
		}
	}

	byName := make(map[string]int, len(in.Shoots))
	for i, s := range in.Shoots {
		byName[s.Name] = i
	}
	ready := func(i int) bool {
		return out.Decisions[i].Phase == v1alpha1.ShootUpToDate && in.Shoots[i].Step == shoot.StepDone
	}
	depReady := func(name string) bool {
		if i, ok := byName[name]; ok {
			return ready(i)
		}
		return in.Ready[name]
	}

	// Waves in order, the implicit one of shoots without a wave last.
	waves := append([]fleet.Wave(nil), in.Waves...)
	members := map[string][]int{}
	declared := map[string]bool{}
	for _, w := range in.Waves {
		declared[w.Name] = true
	}
	for i, s := range in.Shoots {
		w := s.Wave
		if !declared[w] {
			w = noWave
		}
		members[w] = append(members[w], i)
	}
	if len(members[noWave]) > 0 {
		waves = append(waves, fleet.Wave{Name: noWave})
	}
	prev := map[string]v1alpha1.WaveStatus{}
	for _, w := range in.PrevWaves {
		prev[w.Name] = w
	}

	open := true           // every earlier wave is done and baked
	blocker, why := "", "" // the reason and message why a later wave may not start
	for _, w := range waves {
		idx := members[w.Name]
		if open {
			decideWave(in, &out, w, idx, candidate, depReady)
		} else {
			for _, i := range idx {
				if candidate[i] {
					out.Decisions[i] = gateDecision{Phase: v1alpha1.ShootWaiting, Reason: blocker, Message: why}
				}
			}
		}

		done := true
		for _, i := range idx {
			if !ready(i) {
				done = false
				break
			}
		}
		st := v1alpha1.WaveStatus{Name: w.Name, Phase: v1alpha1.WavePending}
		p, seen := prev[w.Name]
		switch {
		case done && seen && p.Phase == v1alpha1.WaveDone:
			st.Phase, st.CompletedAt = v1alpha1.WaveDone, p.CompletedAt
		case done && seen:
			// It was on its way and has just finished: the bake time starts.
			st.Phase, st.CompletedAt = v1alpha1.WaveDone, &metav1.Time{Time: in.Now}
		case done:
			// Never seen upgrading: nothing to bake.
			st.Phase = v1alpha1.WaveDone
		case open:
			st.Phase = v1alpha1.WaveUpgrading
		}
		if len(in.Waves) > 0 || w.Name != noWave {
			out.Waves = append(out.Waves, st)
		}

		if !open {
			continue
		}
		switch {
		case !done:
			open, blocker = false, WaveNotDoneReason
			why = fmt.Sprintf("waiting for wave %s to finish", waveName(w.Name))
		case st.CompletedAt != nil && w.BakeTime > 0 && in.Now.Before(st.CompletedAt.Add(w.BakeTime)):
			until := st.CompletedAt.Add(w.BakeTime)
			open, blocker = false, WaveBakingReason
			why = fmt.Sprintf("wave %s bakes until %s", waveName(w.Name), until.UTC().Format(time.RFC3339))
			out.Wake = until.Sub(in.Now)
		}
	}

	// Only time ends a bake or opens a window: no need to look again before
	// Wake (a window's opening ends in a Shoot event anyway).
	for i, d := range out.Decisions {
		switch {
		case d.Reason == MaintenanceWindowReason:
			out.Wake = earlier(out.Wake, in.Shoots[i].TimeoutFrom.Sub(in.Now))
		case d.Phase == v1alpha1.ShootUpgrading || (d.Phase == v1alpha1.ShootWaiting && d.Reason != WaveBakingReason && d.Reason != WindowClosedReason):
			out.Busy = true
		}
	}
	return out
}

// decideWave decides the candidates of an open wave: hibernation, then
// dependencies, then the maintenance window, then the wave's parallelism.
func decideWave(in gateInput, out *gateOutput, w fleet.Wave, idx []int, candidate []bool, depReady func(string) bool) {
	slots := 0
	for _, i := range idx {
		s := in.Shoots[i]
		if s.Started && !candidate[i] && out.Decisions[i].Phase != v1alpha1.ShootUpToDate {
			slots++ // a step in progress, or stalled on the way
		}
	}
	// Shoots that started go first so a restart never hands their slot on.
	order := make([]int, 0, len(idx))
	for _, started := range []bool{true, false} {
		for _, i := range idx {
			if candidate[i] && in.Shoots[i].Started == started {
				order = append(order, i)
			}
		}
	}
	for _, i := range order {
		s := in.Shoots[i]
		d := &out.Decisions[i]
		var waiting []string
		for _, dep := range s.DependsOn {
			if !depReady(dep) {
				waiting = append(waiting, dep)
			}
		}
		start, begin, end, open := planner.StepStart(s.Window, in.Now)
		switch {
		case s.Hibernated && !s.ProceedWhileHibernated:
			*d = gateDecision{Phase: v1alpha1.ShootHeld, Reason: HibernatedReason,
				Message: fmt.Sprintf("hibernated: %s held until it wakes", plural(s.StepsLeft, "step"))}
		case len(waiting) > 0:
			*d = gateDecision{Phase: v1alpha1.ShootWaiting, Reason: DependencyNotReadyReason,
				Message: fmt.Sprintf("waiting for %s to reach its target and be healthy", strings.Join(waiting, ", "))}
		case s.NoWindow != "":
			*d = gateDecision{Phase: v1alpha1.ShootHeld, Reason: WindowClosedReason,
				Message: fmt.Sprintf("rollout window is maintenance, but %s", s.NoWindow)}
		case !open:
			if s.Started {
				slots++ // between two steps it keeps its slot
			}
			*d = gateDecision{Phase: v1alpha1.ShootWaiting, Reason: WindowClosedReason,
				Message: fmt.Sprintf("next step waits for its maintenance window %s", shoot.Label(begin, end))}
			out.Wake = earlier(out.Wake, start.Sub(in.Now))
		case w.MaxParallel > 0 && slots >= w.MaxParallel && !s.Started:
			*d = gateDecision{Phase: v1alpha1.ShootWaiting, Reason: MaxParallelReason,
				Message: fmt.Sprintf("wave %s: %d of %d shoots upgrading", waveName(w.Name), slots, w.MaxParallel)}
		default:
			slots++
			*d = gateDecision{Phase: v1alpha1.ShootUpgrading, Reason: StepAppliedReason, Proceed: true}
		}
	}
}

// timeoutStart says what a step's timeout counts from.
func timeoutStart(s gateShoot) string {
	if s.Step == shoot.StepWaitingForWindow || s.TimeoutFrom.After(s.AppliedAt) {
		return "its maintenance window began"
	}
	return "it was applied"
}

// earlier returns the shorter positive wait of a and b; zero when neither is.
func earlier(a, b time.Duration) time.Duration {
	switch {
	case b <= 0:
		return a
	case a <= 0:
		return b
	}
	return min(a, b)
}

func waveName(name string) string {
	if name == noWave {
		return "(shoots without a wave)"
	}
	return name
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
