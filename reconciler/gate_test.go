package reconciler

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
)

var gateNow = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

// gs builds a gate shoot that is healthy and, with steps > 0, ready for its
// next step; the options change only what a case is about.
func gs(name string, steps int, opts ...func(*gateShoot)) gateShoot {
	s := gateShoot{Name: name, StepsLeft: steps, Step: shoot.StepDone, StepMessage: "ready"}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func inWave(w string) func(*gateShoot) { return func(s *gateShoot) { s.Wave = w } }
func dependsOn(d ...string) func(*gateShoot) {
	return func(s *gateShoot) { s.DependsOn = d }
}
func busy(msg string) func(*gateShoot) {
	return func(s *gateShoot) { s.Step, s.StepMessage = shoot.StepRunning, msg }
}
func failed(msg string) func(*gateShoot) {
	return func(s *gateShoot) { s.Step, s.StepMessage = shoot.StepFailed, msg }
}
func started(ago time.Duration) func(*gateShoot) {
	return func(s *gateShoot) { s.Started, s.AppliedAt, s.TimeoutFrom = true, gateNow.Add(-ago), gateNow.Add(-ago) }
}

// windowAhead: the applied step waits for a maintenance window opening in d.
func windowAhead(d time.Duration) func(*gateShoot) {
	return func(s *gateShoot) {
		s.Step, s.StepMessage = shoot.StepWaitingForWindow, "waiting for its maintenance window Mon 15:00-16:00 +0100 (confineSpecUpdateRollout)"
		s.TimeoutFrom = gateNow.Add(d)
	}
}

// windowBegan: the step's window opened d ago (after the step was applied).
func windowBegan(d time.Duration) func(*gateShoot) {
	return func(s *gateShoot) { s.TimeoutFrom = gateNow.Add(-d) }
}

// window confines the shoot's steps to a maintenance window.
func window(t *testing.T, begin, end string) func(*gateShoot) {
	w, err := shoot.ParseWindow(begin, end)
	if err != nil {
		t.Fatal(err)
	}
	return func(s *gateShoot) { s.Window = w.Next }
}

func asleep(proceed bool) func(*gateShoot) {
	return func(s *gateShoot) { s.Hibernated, s.ProceedWhileHibernated = true, proceed }
}

var (
	upToDate = gateDecision{Phase: v1alpha1.ShootUpToDate}
	proceed  = gateDecision{Phase: v1alpha1.ShootUpgrading, Reason: StepAppliedReason, Proceed: true}
)

func waiting(reason, msg string) gateDecision {
	return gateDecision{Phase: v1alpha1.ShootWaiting, Reason: reason, Message: msg}
}

func at(d time.Duration) *metav1.Time { return &metav1.Time{Time: gateNow.Add(d)} }

func TestGate(t *testing.T) {
	t.Parallel()
	canaryProd := []fleet.Wave{{Name: "canary", BakeTime: 30 * time.Minute}, {Name: "prod", MaxParallel: 1, BakeTime: time.Hour}}

	tests := []struct {
		name      string
		in        gateInput
		want      []gateDecision
		wantWaves []v1alpha1.WaveStatus
		wantBusy  bool
		wantWake  time.Duration
	}{
		// One shoot on its own.
		{
			name: "at target",
			in:   gateInput{Shoots: []gateShoot{gs("a", 0)}},
			want: []gateDecision{upToDate},
		},
		{
			name:     "healthy with steps left proceeds",
			in:       gateInput{Shoots: []gateShoot{gs("a", 3)}},
			want:     []gateDecision{proceed},
			wantBusy: true,
		},
		{
			name: "an operation in progress keeps the live versions",
			in:   gateInput{Shoots: []gateShoot{gs("a", 2, busy("Reconcile of Shoot cluster in progress."))}},
			want: []gateDecision{waiting(OperationInProgressReason,
				"operation in progress: Reconcile of Shoot cluster in progress.")},
			wantBusy: true,
		},
		{
			name: "an applied step waits for Gardener",
			in: gateInput{StepTimeout: time.Hour,
				Shoots: []gateShoot{gs("a", 2, busy("Reconcile of Shoot cluster in progress."), started(time.Minute))}},
			want: []gateDecision{{Phase: v1alpha1.ShootUpgrading, Reason: StepInProgressReason,
				Message: "step in progress: Reconcile of Shoot cluster in progress."}},
			wantBusy: true,
		},
		{
			name: "the last step in progress is still upgrading",
			in: gateInput{StepTimeout: time.Hour,
				Shoots: []gateShoot{gs("a", 0, busy("observed generation 3 of 4"), started(time.Minute))}},
			want: []gateDecision{{Phase: v1alpha1.ShootUpgrading, Reason: StepInProgressReason,
				Message: "step in progress: observed generation 3 of 4"}},
			wantBusy: true,
		},
		{
			name:     "a confirmed step lets the next one go",
			in:       gateInput{StepTimeout: time.Hour, Shoots: []gateShoot{gs("a", 1, started(time.Minute))}},
			want:     []gateDecision{proceed},
			wantBusy: true,
		},
		{
			name: "a step past its timeout stalls",
			in: gateInput{Now: gateNow, StepTimeout: time.Hour,
				Shoots: []gateShoot{gs("a", 1, busy("Reconcile of Shoot cluster in progress."), started(time.Hour))}},
			want: []gateDecision{{Phase: v1alpha1.ShootStalled, Reason: StepTimedOutReason,
				Message: "step not done 1h0m0s after it was applied: Reconcile of Shoot cluster in progress."}},
		},
		{
			name: "a step waiting for its maintenance window says so and sleeps until it opens",
			in: gateInput{Now: gateNow, StepTimeout: time.Hour,
				Shoots: []gateShoot{gs("a", 1, started(3*time.Hour), windowAhead(2*time.Hour))}},
			want: []gateDecision{{Phase: v1alpha1.ShootUpgrading, Reason: MaintenanceWindowReason,
				Message: "waiting for its maintenance window Mon 15:00-16:00 +0100 (confineSpecUpdateRollout)"}},
			wantWake: 2 * time.Hour,
		},
		{
			name: "the timeout counts from the window's start",
			in: gateInput{Now: gateNow, StepTimeout: time.Hour,
				Shoots: []gateShoot{gs("a", 1, busy("Reconcile of Shoot cluster in progress."), started(5*time.Hour), windowBegan(30*time.Minute))}},
			want: []gateDecision{{Phase: v1alpha1.ShootUpgrading, Reason: StepInProgressReason,
				Message: "step in progress: Reconcile of Shoot cluster in progress."}},
			wantBusy: true,
		},
		{
			name: "a step past its timeout from the window's start stalls",
			in: gateInput{Now: gateNow, StepTimeout: time.Hour,
				Shoots: []gateShoot{gs("a", 1, busy("Reconcile of Shoot cluster in progress."), started(5*time.Hour), windowBegan(time.Hour))}},
			want: []gateDecision{{Phase: v1alpha1.ShootStalled, Reason: StepTimedOutReason,
				Message: "step not done 1h0m0s after its maintenance window began: Reconcile of Shoot cluster in progress."}},
		},
		{
			name: "a failed step stalls",
			in:   gateInput{Shoots: []gateShoot{gs("a", 1, failed("last operation Reconcile Failed: boom"), started(time.Minute))}},
			want: []gateDecision{{Phase: v1alpha1.ShootStalled, Reason: StepFailedReason,
				Message: "last operation Reconcile Failed: boom"}},
		},
		{
			name: "a failed operation outside a plan stalls too",
			in:   gateInput{Shoots: []gateShoot{gs("a", 0, failed("last operation Create Failed: boom"))}},
			want: []gateDecision{{Phase: v1alpha1.ShootStalled, Reason: OperationFailedReason,
				Message: "last operation Create Failed: boom"}},
		},
		{
			name: "no plan stalls",
			in: gateInput{Shoots: []gateShoot{gs("a", 0, func(s *gateShoot) {
				s.PlanErr = errors.New("control plane: desired 1.33.1 is older than live 1.34.2")
			})}},
			want: []gateDecision{{Phase: v1alpha1.ShootStalled, Reason: PlanRejectedReason,
				Message: "no plan reaches the target: control plane: desired 1.33.1 is older than live 1.34.2"}},
		},

		// Rollout window "maintenance".
		{
			name:     "outside its window the next step waits and sleeps until it opens",
			in:       gateInput{Now: gateNow, Shoots: []gateShoot{gs("a", 2, window(t, "150000+0100", "160000+0100"))}},
			want:     []gateDecision{waiting(WindowClosedReason, "next step waits for its maintenance window Mon 15:00-16:00 +0100")},
			wantWake: 2 * time.Hour,
		},
		{
			name:     "inside its window a step goes",
			in:       gateInput{Now: gateNow, Shoots: []gateShoot{gs("a", 2, window(t, "123000+0100", "133000+0100"))}},
			want:     []gateDecision{proceed},
			wantBusy: true,
		},
		{
			name: "confirmed after its window closed, the rest waits for the next and keeps the slot",
			in: gateInput{Now: gateNow, Waves: []fleet.Wave{{Name: "prod", MaxParallel: 1}},
				Shoots: []gateShoot{gs("a", 1, inWave("prod"), started(2*time.Hour), window(t, "100000+0100", "110000+0100")), gs("b", 1, inWave("prod"))}},
			want: []gateDecision{
				waiting(WindowClosedReason, "next step waits for its maintenance window Tue 10:00-11:00 +0100"),
				waiting(MaxParallelReason, "wave prod: 1 of 1 shoots upgrading"),
			},
			wantWaves: []v1alpha1.WaveStatus{{Name: "prod", Phase: v1alpha1.WaveUpgrading}},
			wantBusy:  true,
			wantWake:  21 * time.Hour,
		},
		{
			name: "no window to roll out in holds the shoot",
			in: gateInput{Now: gateNow, Shoots: []gateShoot{gs("a", 2, func(s *gateShoot) {
				s.NoWindow = "the shoot has no spec.maintenance.timeWindow"
			})}},
			want: []gateDecision{{Phase: v1alpha1.ShootHeld, Reason: WindowClosedReason,
				Message: "rollout window is maintenance, but the shoot has no spec.maintenance.timeWindow"}},
		},

		// Hibernation.
		{
			name: "hibernated holds",
			in:   gateInput{Shoots: []gateShoot{gs("a", 2, asleep(false))}},
			want: []gateDecision{{Phase: v1alpha1.ShootHeld, Reason: HibernatedReason,
				Message: "hibernated: 2 steps held until it wakes"}},
		},
		{
			name:     "hibernated with proceed goes on",
			in:       gateInput{Shoots: []gateShoot{gs("a", 1, asleep(true))}},
			want:     []gateDecision{proceed},
			wantBusy: true,
		},
		{
			name: "hibernated at target is up to date",
			in:   gateInput{Shoots: []gateShoot{gs("a", 0, asleep(false))}},
			want: []gateDecision{upToDate},
		},

		// dependsOn.
		{
			name: "a dependency with steps left holds the dependent",
			in:   gateInput{Shoots: []gateShoot{gs("app", 2, dependsOn("base")), gs("base", 1)}},
			want: []gateDecision{
				waiting(DependencyNotReadyReason, "waiting for base to reach its target and be healthy"),
				proceed,
			},
			wantBusy: true,
		},
		{
			name: "a dependency at target but busy holds the dependent",
			in:   gateInput{Shoots: []gateShoot{gs("app", 2, dependsOn("base")), gs("base", 0, busy("creating"))}},
			want: []gateDecision{
				waiting(DependencyNotReadyReason, "waiting for base to reach its target and be healthy"),
				upToDate,
			},
			wantBusy: true,
		},
		{
			name: "dependencies done let the dependent go",
			in: gateInput{Ready: map[string]bool{"lab1": true},
				Shoots: []gateShoot{gs("app", 2, dependsOn("base", "lab1")), gs("base", 0)}},
			want:     []gateDecision{proceed, upToDate},
			wantBusy: true,
		},
		{
			name: "a lab not ready holds the dependent",
			in:   gateInput{Ready: map[string]bool{"lab1": false}, Shoots: []gateShoot{gs("app", 1, dependsOn("base", "lab1")), gs("base", 0)}},
			want: []gateDecision{
				waiting(DependencyNotReadyReason, "waiting for lab1 to reach its target and be healthy"),
				upToDate,
			},
			wantBusy: true,
		},

		// Waves.
		{
			name: "an unfinished wave holds the next",
			in: gateInput{Now: gateNow, Waves: canaryProd,
				Shoots: []gateShoot{gs("dev", 2, inWave("canary")), gs("prod-a", 2, inWave("prod")), gs("other", 1)}},
			want: []gateDecision{
				proceed,
				waiting(WaveNotDoneReason, "waiting for wave canary to finish"),
				waiting(WaveNotDoneReason, "waiting for wave canary to finish"),
			},
			wantWaves: []v1alpha1.WaveStatus{
				{Name: "canary", Phase: v1alpha1.WaveUpgrading},
				{Name: "prod", Phase: v1alpha1.WavePending},
				{Name: "", Phase: v1alpha1.WavePending},
			},
			wantBusy: true,
		},
		{
			name: "a wave that just finished starts baking",
			in: gateInput{Now: gateNow, Waves: canaryProd,
				PrevWaves: []v1alpha1.WaveStatus{{Name: "canary", Phase: v1alpha1.WaveUpgrading}, {Name: "prod", Phase: v1alpha1.WavePending}},
				Shoots:    []gateShoot{gs("dev", 0, inWave("canary")), gs("prod-a", 2, inWave("prod"))}},
			want: []gateDecision{upToDate, waiting(WaveBakingReason, "wave canary bakes until 2026-05-04T12:30:00Z")},
			wantWaves: []v1alpha1.WaveStatus{
				{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: at(0)},
				{Name: "prod", Phase: v1alpha1.WavePending},
			},
			wantWake: 30 * time.Minute,
		},
		{
			name: "after the bake time the next wave starts, one at a time",
			in: gateInput{Now: gateNow, Waves: canaryProd,
				PrevWaves: []v1alpha1.WaveStatus{{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: at(-31 * time.Minute)}},
				Shoots:    []gateShoot{gs("dev", 0, inWave("canary")), gs("prod-a", 2, inWave("prod")), gs("prod-b", 2, inWave("prod"))}},
			want: []gateDecision{upToDate, proceed, waiting(MaxParallelReason, "wave prod: 1 of 1 shoots upgrading")},
			wantWaves: []v1alpha1.WaveStatus{
				{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: at(-31 * time.Minute)},
				{Name: "prod", Phase: v1alpha1.WaveUpgrading},
			},
			wantBusy: true,
		},
		{
			name: "a started shoot keeps its slot across a restart",
			in: gateInput{Now: gateNow, StepTimeout: time.Hour, Waves: canaryProd,
				Shoots: []gateShoot{gs("prod-a", 2, inWave("prod")), gs("prod-b", 1, inWave("prod"), started(time.Minute))}},
			want:      []gateDecision{waiting(MaxParallelReason, "wave prod: 1 of 1 shoots upgrading"), proceed},
			wantWaves: []v1alpha1.WaveStatus{{Name: "canary", Phase: v1alpha1.WaveDone}, {Name: "prod", Phase: v1alpha1.WaveUpgrading}},
			wantBusy:  true,
		},
		{
			name: "a stalled shoot keeps its slot",
			in: gateInput{Now: gateNow, Waves: canaryProd,
				Shoots: []gateShoot{gs("prod-a", 1, inWave("prod"), failed("boom"), started(time.Minute)), gs("prod-b", 1, inWave("prod"))}},
			want: []gateDecision{
				{Phase: v1alpha1.ShootStalled, Reason: StepFailedReason, Message: "boom"},
				waiting(MaxParallelReason, "wave prod: 1 of 1 shoots upgrading"),
			},
			wantWaves: []v1alpha1.WaveStatus{{Name: "canary", Phase: v1alpha1.WaveDone}, {Name: "prod", Phase: v1alpha1.WaveUpgrading}},
			wantBusy:  true,
		},
		{
			name: "a wave that had nothing to do does not bake",
			in: gateInput{Now: gateNow, Waves: canaryProd,
				Shoots: []gateShoot{gs("dev", 0, inWave("canary")), gs("prod-a", 1, inWave("prod"))}},
			want:      []gateDecision{upToDate, proceed},
			wantWaves: []v1alpha1.WaveStatus{{Name: "canary", Phase: v1alpha1.WaveDone}, {Name: "prod", Phase: v1alpha1.WaveUpgrading}},
			wantBusy:  true,
		},
		{
			name: "a held canary holds the later waves",
			in: gateInput{Now: gateNow, Waves: canaryProd,
				Shoots: []gateShoot{gs("dev", 1, inWave("canary"), asleep(false)), gs("prod-a", 1, inWave("prod"))}},
			want: []gateDecision{
				{Phase: v1alpha1.ShootHeld, Reason: HibernatedReason, Message: "hibernated: 1 step held until it wakes"},
				waiting(WaveNotDoneReason, "waiting for wave canary to finish"),
			},
			wantWaves: []v1alpha1.WaveStatus{{Name: "canary", Phase: v1alpha1.WaveUpgrading}, {Name: "prod", Phase: v1alpha1.WavePending}},
			wantBusy:  true,
		},
		{
			name: "a done wave keeps its completion time",
			in: gateInput{Now: gateNow, Waves: canaryProd[:1],
				PrevWaves: []v1alpha1.WaveStatus{{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: at(-time.Minute)}},
				Shoots:    []gateShoot{gs("dev", 0, inWave("canary")), gs("other", 1)}},
			want: []gateDecision{upToDate, waiting(WaveBakingReason, "wave canary bakes until 2026-05-04T12:29:00Z")},
			wantWaves: []v1alpha1.WaveStatus{
				{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: at(-time.Minute)},
				{Name: "", Phase: v1alpha1.WavePending},
			},
			wantWake: 29 * time.Minute,
		},
		{
			name:     "unlimited parallelism without waves",
			in:       gateInput{Shoots: []gateShoot{gs("a", 1), gs("b", 2), gs("c", 3)}},
			want:     []gateDecision{proceed, proceed, proceed},
			wantBusy: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := gate(tt.in)
			if diff := cmp.Diff(tt.want, got.Decisions); diff != "" {
				t.Errorf("decisions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWaves, got.Waves); diff != "" {
				t.Errorf("waves (-want +got):\n%s", diff)
			}
			if got.Busy != tt.wantBusy {
				t.Errorf("Busy = %t, want %t", got.Busy, tt.wantBusy)
			}
			if got.Wake != tt.wantWake {
				t.Errorf("Wake = %s, want %s", got.Wake, tt.wantWake)
			}
		})
	}
}
