package reconciler

import (
	"time"

	"testing"

	"github.com/gardenfleet/gardenfleet/fleet"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

func line(name string, phase v1alpha1.ShootPhase, step int32) v1alpha1.ShootStatus {
	return v1alpha1.ShootStatus{Namespace: "garden-x", Name: name, Phase: phase, CurrentStep: step}
}

func names(shoots []v1alpha1.ShootStatus) []string {
	out := []string{}
	for _, s := range shoots {
		out = append(out, s.Name)
	}
	return out
}

func TestListedShoots(t *testing.T) {
	t.Parallel()
	sorted := []v1alpha1.ShootStatus{
		line("a", v1alpha1.ShootWaiting, 0),
		line("b", v1alpha1.ShootUpToDate, 0),
		line("c", v1alpha1.ShootHeld, 0),
		line("d", v1alpha1.ShootWaiting, 2), // between two steps
		line("e", v1alpha1.ShootUpgrading, 1),
		line("f", v1alpha1.ShootStalled, 0),
		line("g", v1alpha1.ShootUpgrading, 0),
	}
	tests := []struct {
		name  string
		limit int
		want  []string
		left  int32
	}{
		// every shoot fits: all listed, up to date too
		{name: "all", limit: 10, want: []string{"a", "b", "c", "d", "e", "f", "g"}},
		{name: "exactly", limit: 7, want: []string{"a", "b", "c", "d", "e", "f", "g"}},
		// not all fit: only those not up to date
		{name: "not up to date", limit: 6, want: []string{"a", "c", "d", "e", "f", "g"}},
		// over it: stalled, then steps on their way, then by phase; sorted by name
		{name: "stalled", limit: 1, want: []string{"f"}, left: 5},
		{name: "stalled and started", limit: 3, want: []string{"d", "e", "f"}, left: 3},
		{name: "then upgrading", limit: 4, want: []string{"d", "e", "f", "g"}, left: 2},
		{name: "then waiting", limit: 5, want: []string{"a", "d", "e", "f", "g"}, left: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, left := listedShoots(sorted, tt.limit)
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			if left != tt.left {
				t.Errorf("left out %d, want %d", left, tt.left)
			}
		})
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e", "f", "g"}, names(sorted)); diff != "" {
		t.Errorf("the input changed (-want +got):\n%s", diff)
	}
}

// TestPrevShoots: the stored status' lines win over the in-memory view,
// which fills in the shoots the status leaves out.
func TestPrevShoots(t *testing.T) {
	t.Parallel()
	e := &engine{}
	sc := &scope{state: &fleetState{}}
	e.publishShoots(sc, []v1alpha1.ShootStatus{line("a", v1alpha1.ShootUpgrading, 2), line("b", v1alpha1.ShootUpgrading, 1)})
	sc.prev.Shoots = []v1alpha1.ShootStatus{line("b", v1alpha1.ShootUpgrading, 3)}
	got := map[string]int32{}
	for k, s := range e.prevShoots(sc) {
		got[k] = s.CurrentStep
	}
	if diff := cmp.Diff(map[string]int32{"garden-x/a": 2, "garden-x/b": 3}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestWaveStatuses: the gate's waves get their shoots counted by phase (a
// shoot of no declared wave in the last) and the end of their bake time.
func TestWaveStatuses(t *testing.T) {
	t.Parallel()
	done := at(-10 * time.Minute)
	sc := &scope{
		build: &buildResult{fleet: &fleet.Fleet{Waves: []fleet.Wave{{Name: "canary", BakeTime: time.Hour}, {Name: "prod"}}}},
		gate: gateOutput{Waves: []v1alpha1.WaveStatus{
			{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: done},
			{Name: "prod", Phase: v1alpha1.WavePending},
			{Name: "", Phase: v1alpha1.WavePending},
		}},
	}
	for _, s := range []struct {
		wave  string
		phase v1alpha1.ShootPhase
	}{{"canary", v1alpha1.ShootUpToDate}, {"prod", v1alpha1.ShootWaiting}, {"prod", v1alpha1.ShootHeld}, {"typo", v1alpha1.ShootWaiting}} {
		sc.shoots = append(sc.shoots, &shootItem{model: &fleet.Shoot{Rollout: fleet.Rollout{Wave: s.wave}}, status: v1alpha1.ShootStatus{Phase: s.phase}})
	}
	want := []v1alpha1.WaveStatus{
		{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: done, BakeUntil: at(50 * time.Minute), Shoots: &v1alpha1.ShootCounts{Total: 1, UpToDate: 1}},
		{Name: "prod", Phase: v1alpha1.WavePending, Shoots: &v1alpha1.ShootCounts{Total: 2, Waiting: 1, Held: 1}},
		{Name: "", Phase: v1alpha1.WavePending, Shoots: &v1alpha1.ShootCounts{Total: 1, Waiting: 1}},
	}
	if diff := cmp.Diff(want, waveStatuses(sc)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
