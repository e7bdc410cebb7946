package shoot

import (
	"fmt"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// StepState is where Gardener stands with the last change made to a Shoot.
type StepState string

// Step states.
const (
	// StepDone: Gardener finished an operation on the change and the shoot is healthy.
	StepDone StepState = "Done"
	// StepRunning: not done yet; waiting longer may help.
	StepRunning StepState = "Running"
	// StepWaitingForWindow: the shoot confines spec rollouts to its
	// maintenance window and Gardener has not started on the change.
	StepWaitingForWindow StepState = "WaitingForWindow"
	// StepFailed: the operation on the change failed; waiting will not help.
	StepFailed StepState = "Failed"
)

// Step is Confirm's verdict on one change.
type Step struct {
	State   StepState
	Message string
	// TimeoutFrom is when the step's timeout starts counting: the apply
	// time, or the next maintenance window's start for a shoot that
	// confines spec rollouts to it.
	TimeoutFrom time.Time
}

// Shoot conditions that must be reported; Gardener has no Ready condition.
// A workerless shoot reports only the first two.
var requiredConditions = []gardencorev1beta1.ConditionType{
	gardencorev1beta1.ShootAPIServerAvailable,
	gardencorev1beta1.ShootControlPlaneHealthy,
	gardencorev1beta1.ShootEveryNodeReady,
	gardencorev1beta1.ShootSystemComponentsHealthy,
}

// Confirm tells whether Gardener is done with a change applied to s at
// appliedAt; a zero appliedAt asks only whether Gardener is done with the
// shoot. Gardener sets status.observedGeneration when an operation starts,
// so a step is done only when, after appliedAt:
//
//   - status.observedGeneration equals metadata.generation,
//   - status.lastOperation is of type Create or Reconcile and Succeeded,
//     with a lastUpdateTime after appliedAt (a Succeeded from before is the
//     previous operation's, never this step's),
//   - status.inPlaceUpdates.pendingWorkerUpdates is empty (in-place pools
//     report the shoot's success while nodes are still pending), and
//   - every condition is True, and the four of a shoot with workers (the
//     first two of a workerless one) are reported.
//
// A hibernated shoot is done once its operation succeeded: it has no nodes
// to be healthy. A Failed, Error or Aborted operation after appliedAt fails
// the step. With spec.maintenance.confineSpecUpdateRollout Gardener rolls a
// spec change out only in the next maintenance window (it does not even
// raise the generation): until an operation starts the step waits for its
// window, and its timeout counts from the window's start.
func Confirm(s *Shoot, appliedAt time.Time) Step {
	confined := s.Spec.Maintenance != nil && s.Spec.Maintenance.ConfineSpecUpdateRollout != nil && *s.Spec.Maintenance.ConfineSpecUpdateRollout
	win, winErr := MaintenanceWindow(s)
	from := appliedAt
	if confined && win != nil && !appliedAt.IsZero() {
		// NOTE: applied inside a window, the change may still wait for the
		// next one (Gardener's maintenance may have run already): counting
		// from the next start never stalls a step too early.
		from, _ = win.After(appliedAt)
	}
	step := func(state StepState, format string, args ...any) Step {
		return Step{State: state, Message: fmt.Sprintf(format, args...), TimeoutFrom: from}
	}

	if s.DeletionTimestamp != nil {
		return step(StepRunning, "being deleted")
	}
	gen, observed := s.Generation, s.Status.ObservedGeneration
	if observed == 0 || observed < gen {
		return step(StepRunning, "waiting for gardener to observe generation %d (observed %d)", gen, observed)
	}
	op := s.Status.LastOperation
	if op == nil {
		return step(StepRunning, "no operation reported yet")
	}
	if !appliedAt.IsZero() && !op.LastUpdateTime.After(appliedAt) {
		last := fmt.Sprintf("last operation %s %s at %s", op.Type, op.State, stamp(op.LastUpdateTime.Time))
		switch {
		case confined && win != nil:
			b, e := win.After(appliedAt)
			return step(StepWaitingForWindow, "waiting for its maintenance window %s (confineSpecUpdateRollout); %s", Label(b, e), last)
		case confined:
			why := "none set"
			if winErr != nil {
				why = winErr.Error()
			}
			return step(StepWaitingForWindow, "waiting for its maintenance window (%s; confineSpecUpdateRollout); %s", why, last)
		}
		return step(StepRunning, "waiting for an operation after the step applied at %s; %s", stamp(appliedAt), last)
	}
	switch op.State {
	case gardencorev1beta1.LastOperationStateSucceeded:
	case gardencorev1beta1.LastOperationStateFailed, gardencorev1beta1.LastOperationStateError, gardencorev1beta1.LastOperationStateAborted:
		return step(StepFailed, "last operation %s %s: %s", op.Type, op.State, op.Description)
	default:
		return step(StepRunning, "last operation %s %s (%d%%): %s", op.Type, op.State, op.Progress, op.Description)
	}
	if op.Type != gardencorev1beta1.LastOperationTypeCreate && op.Type != gardencorev1beta1.LastOperationTypeReconcile {
		return step(StepRunning, "last operation %s Succeeded: waiting for a Create or Reconcile", op.Type)
	}

	if s.Status.IsHibernated {
		return step(StepDone, "hibernated")
	}
	if pending := PendingInPlace(s); len(pending) > 0 {
		return step(StepRunning, "in-place update pending for pools %s", strings.Join(pending, ", "))
	}
	required := requiredConditions
	if len(s.Spec.Provider.Workers) == 0 {
		required = required[:2]
	}
	for _, ct := range required {
		if Condition(s, ct) == nil {
			return step(StepRunning, "condition %s not reported yet", ct)
		}
	}
	for _, c := range s.Status.Conditions {
		if c.Status != gardencorev1beta1.ConditionTrue {
			return step(StepRunning, "condition %s is %s: %s", c.Type, c.Status, c.Message)
		}
	}
	return step(StepDone, "last operation %s Succeeded", op.Type)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
