package shoot_test

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardenfleet/gardenfleet/gardener/shoot"
)

// applied is when the step under test was applied: Tuesday 2026-12-01,
// 12:00 UTC, outside the window 22:00-23:00 +0100 (21:00-22:00 UTC).
var applied = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// typed builds a typed Shoot at generation 5 that Gardener reconciled at
// `at` and that is healthy; the options change only what a case is about.
func typed(at time.Time, opts ...func(*shoot.Shoot)) *shoot.Shoot {
	s := &shoot.Shoot{}
	s.Generation = 5
	s.Spec.Provider.Workers = []gardencorev1beta1.Worker{{Name: "a"}}
	s.Status.ObservedGeneration = 5
	s.Status.LastOperation = &gardencorev1beta1.LastOperation{
		Type: gardencorev1beta1.LastOperationTypeReconcile, State: gardencorev1beta1.LastOperationStateSucceeded,
		Progress: 100, LastUpdateTime: metav1.Time{Time: at},
	}
	for _, c := range []gardencorev1beta1.ConditionType{"APIServerAvailable", "ControlPlaneHealthy", "EveryNodeReady", "SystemComponentsHealthy", "ObservabilityComponentsHealthy"} {
		s.Status.Conditions = append(s.Status.Conditions, gardencorev1beta1.Condition{Type: c, Status: gardencorev1beta1.ConditionTrue})
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func op(typ gardencorev1beta1.LastOperationType, state gardencorev1beta1.LastOperationState, desc string) func(*shoot.Shoot) {
	return func(s *shoot.Shoot) {
		s.Status.LastOperation.Type, s.Status.LastOperation.State, s.Status.LastOperation.Description = typ, state, desc
		if state == gardencorev1beta1.LastOperationStateProcessing {
			s.Status.LastOperation.Progress = 40
		}
	}
}

func condition(t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus, msg string) func(*shoot.Shoot) {
	return func(s *shoot.Shoot) {
		for i := range s.Status.Conditions {
			if s.Status.Conditions[i].Type == t {
				s.Status.Conditions[i].Status, s.Status.Conditions[i].Message = status, msg
			}
		}
	}
}

// confined rolls spec changes out only in the window 22:00-23:00 +0100.
func confined(s *shoot.Shoot) {
	yes := true
	s.Spec.Maintenance = &gardencorev1beta1.Maintenance{
		ConfineSpecUpdateRollout: &yes,
		TimeWindow:               &gardencorev1beta1.MaintenanceTimeWindow{Begin: "220000+0100", End: "230000+0100"},
	}
}

func TestConfirm(t *testing.T) {
	t.Parallel()
	after := applied.Add(10 * time.Minute)
	before := applied.Add(-10 * time.Minute)
	// The window after applied opens at 21:00 UTC the same day; one applied
	// inside it may wait for the next day's.
	window := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	inWindow := window.Add(10 * time.Minute)
	nextWindow := window.AddDate(0, 0, 1)

	tests := []struct {
		name      string
		shoot     *shoot.Shoot
		appliedAt time.Time
		want      shoot.Step
		// wantFrom is TimeoutFrom when it is not appliedAt.
		wantFrom time.Time
	}{
		// done
		{name: "reconciled after the apply and healthy", shoot: typed(after), appliedAt: applied,
			want: shoot.Step{State: shoot.StepDone, Message: "last operation Reconcile Succeeded"}},
		{name: "created after the apply", shoot: typed(after, op("Create", "Succeeded", "")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepDone, Message: "last operation Create Succeeded"}},
		{name: "no step applied: any succeeded operation counts", shoot: typed(before),
			want: shoot.Step{State: shoot.StepDone, Message: "last operation Reconcile Succeeded"}},
		{name: "hibernated needs no healthy nodes", shoot: typed(after, condition("EveryNodeReady", "False", "no nodes"), func(s *shoot.Shoot) { s.Status.IsHibernated = true }), appliedAt: applied,
			want: shoot.Step{State: shoot.StepDone, Message: "hibernated"}},
		{name: "workerless reports two conditions", shoot: typed(after, func(s *shoot.Shoot) {
			s.Spec.Provider.Workers = nil
			s.Status.Conditions = s.Status.Conditions[:2]
		}), appliedAt: applied, want: shoot.Step{State: shoot.StepDone, Message: "last operation Reconcile Succeeded"}},

		// a stale Succeeded never confirms a new step
		{name: "succeeded before the apply", shoot: typed(before), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "waiting for an operation after the step applied at 2026-12-01T12:00:00Z; last operation Reconcile Succeeded at 2026-12-01T11:50:00Z"}},
		{name: "succeeded in the second of the apply", shoot: typed(applied), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "waiting for an operation after the step applied at 2026-12-01T12:00:00Z; last operation Reconcile Succeeded at 2026-12-01T12:00:00Z"}},
		{name: "a failure before the apply is not this step's", shoot: typed(before, op("Reconcile", "Failed", "old")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "waiting for an operation after the step applied at 2026-12-01T12:00:00Z; last operation Reconcile Failed at 2026-12-01T11:50:00Z"}},

		// observedGeneration and the operation
		{name: "generation not observed yet", shoot: typed(before, func(s *shoot.Shoot) { s.Generation = 6 }), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "waiting for gardener to observe generation 6 (observed 5)"}},
		{name: "no status at all", shoot: &shoot.Shoot{ObjectMeta: metav1.ObjectMeta{Generation: 1}}, appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "waiting for gardener to observe generation 1 (observed 0)"}},
		{name: "no last operation", shoot: typed(after, func(s *shoot.Shoot) { s.Status.LastOperation = nil }), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "no operation reported yet"}},
		{name: "processing", shoot: typed(after, op("Reconcile", "Processing", "Waiting for workers")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "last operation Reconcile Processing (40%): Waiting for workers"}},
		{name: "failed after the apply", shoot: typed(after, op("Reconcile", "Failed", "infra broke")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepFailed, Message: "last operation Reconcile Failed: infra broke"}},
		{name: "error after the apply", shoot: typed(after, op("Reconcile", "Error", "retrying")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepFailed, Message: "last operation Reconcile Error: retrying"}},
		{name: "aborted after the apply", shoot: typed(after, op("Reconcile", "Aborted", "")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepFailed, Message: "last operation Reconcile Aborted: "}},
		{name: "a restore is not a reconcile", shoot: typed(after, op("Restore", "Succeeded", "")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "last operation Restore Succeeded: waiting for a Create or Reconcile"}},
		{name: "being deleted", shoot: typed(after, func(s *shoot.Shoot) { s.DeletionTimestamp = &metav1.Time{Time: after} }), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "being deleted"}},

		// in-place pools and conditions
		{name: "in-place update pending", shoot: typed(after, func(s *shoot.Shoot) {
			s.Status.InPlaceUpdates = &gardencorev1beta1.InPlaceUpdatesStatus{PendingWorkerUpdates: &gardencorev1beta1.PendingWorkerUpdates{
				AutoInPlaceUpdate: []string{"a"}, ManualInPlaceUpdate: []string{"b"}}}
		}), appliedAt: applied, want: shoot.Step{State: shoot.StepRunning, Message: "in-place update pending for pools a, b"}},
		{name: "a required condition false", shoot: typed(after, condition("EveryNodeReady", "False", "node n1 not ready")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "condition EveryNodeReady is False: node n1 not ready"}},
		{name: "any other condition not true", shoot: typed(after, condition("ObservabilityComponentsHealthy", "Progressing", "rolling")), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "condition ObservabilityComponentsHealthy is Progressing: rolling"}},
		{name: "a required condition missing", shoot: typed(after, func(s *shoot.Shoot) { s.Status.Conditions = s.Status.Conditions[:3] }), appliedAt: applied,
			want: shoot.Step{State: shoot.StepRunning, Message: "condition SystemComponentsHealthy not reported yet"}},

		// confineSpecUpdateRollout
		{name: "confined: waits for the window", shoot: typed(before, confined), appliedAt: applied, wantFrom: window,
			want: shoot.Step{State: shoot.StepWaitingForWindow, Message: "waiting for its maintenance window Tue 22:00-23:00 +0100 (confineSpecUpdateRollout); last operation Reconcile Succeeded at 2026-12-01T11:50:00Z"}},
		{name: "confined: applied inside a window, the next counts", shoot: typed(before, confined), appliedAt: inWindow, wantFrom: nextWindow,
			want: shoot.Step{State: shoot.StepWaitingForWindow, Message: "waiting for its maintenance window Wed 22:00-23:00 +0100 (confineSpecUpdateRollout); last operation Reconcile Succeeded at 2026-12-01T11:50:00Z"}},
		{name: "confined: the window opened and gardener is at it", shoot: typed(window.Add(time.Minute), confined, op("Reconcile", "Processing", "maintenance")), appliedAt: applied, wantFrom: window,
			want: shoot.Step{State: shoot.StepRunning, Message: "last operation Reconcile Processing (40%): maintenance"}},
		{name: "confined: done in the window", shoot: typed(window.Add(time.Hour), confined), appliedAt: applied, wantFrom: window,
			want: shoot.Step{State: shoot.StepDone, Message: "last operation Reconcile Succeeded"}},
		{name: "confined without a window", shoot: typed(before, confined, func(s *shoot.Shoot) { s.Spec.Maintenance.TimeWindow = nil }), appliedAt: applied,
			want: shoot.Step{State: shoot.StepWaitingForWindow, Message: "waiting for its maintenance window (none set; confineSpecUpdateRollout); last operation Reconcile Succeeded at 2026-12-01T11:50:00Z"}},
		{name: "confined with a window gardener cannot read", shoot: typed(before, confined, func(s *shoot.Shoot) { s.Spec.Maintenance.TimeWindow.End = "25" }), appliedAt: applied,
			want: shoot.Step{State: shoot.StepWaitingForWindow, Message: `waiting for its maintenance window (spec.maintenance.timeWindow "220000+0100"-"25": could not parse end time: could not parse the value into the maintenanceTime format: parsing time "25": hour out of range; confineSpecUpdateRollout); last operation Reconcile Succeeded at 2026-12-01T11:50:00Z`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := tt.want
			want.TimeoutFrom = tt.appliedAt
			if !tt.wantFrom.IsZero() {
				want.TimeoutFrom = tt.wantFrom
			}
			got := shoot.Confirm(tt.shoot, tt.appliedAt)
			if diff := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
				t.Errorf("Confirm (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWindow(t *testing.T) {
	t.Parallel()
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, time.UTC) } // a Tuesday
	tests := []struct {
		name, begin, end string
		t                time.Time
		wantNext         string // Label of Next(t)
		wantAfter        string // Label of After(t)
		wantString       string
	}{
		{name: "before the window", begin: "220000+0100", end: "230000+0100", t: at(12, 0),
			wantNext: "Tue 22:00-23:00 +0100", wantAfter: "Tue 22:00-23:00 +0100", wantString: "22:00-23:00 +0100"},
		{name: "inside the window", begin: "220000+0100", end: "230000+0100", t: at(21, 30),
			wantNext: "Tue 22:00-23:00 +0100", wantAfter: "Wed 22:00-23:00 +0100", wantString: "22:00-23:00 +0100"},
		{name: "after the window", begin: "220000+0100", end: "230000+0100", t: at(22, 30),
			wantNext: "Wed 22:00-23:00 +0100", wantAfter: "Wed 22:00-23:00 +0100", wantString: "22:00-23:00 +0100"},
		{name: "across midnight, inside after midnight", begin: "230000+0000", end: "010000+0000", t: at(0, 30),
			wantNext: "Mon 23:00-01:00 +0000", wantAfter: "Tue 23:00-01:00 +0000", wantString: "23:00-01:00 +0000"},
		{name: "another zone", begin: "030000+0530", end: "040000+0530", t: at(12, 0),
			wantNext: "Wed 03:00-04:00 +0530", wantAfter: "Wed 03:00-04:00 +0530", wantString: "03:00-04:00 +0530"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := shoot.ParseWindow(tt.begin, tt.end)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{shoot.Label(w.Next(tt.t)), shoot.Label(w.After(tt.t)), w.String()}
			if diff := cmp.Diff([]string{tt.wantNext, tt.wantAfter, tt.wantString}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
