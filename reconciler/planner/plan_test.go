package planner

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stdProfile is the CloudProfile most cases plan against. The newest usable
// patches are 1.30.6, 1.31.4, 1.32.3, 1.33.5, 1.34.3 (1.34.4 is a preview),
// 1.35.2, 1.36.1 and 1.37.0.
func stdProfile(t testing.TB) *Catalog {
	return profile(t,
		"1.29.1", "1.29.5",
		"1.30.2", "1.30.6",
		"1.31.1", "1.31.4",
		"1.32.0", "1.32.3",
		"1.33.1", "1.33.4", "1.33.5",
		"1.34.3", "1.34.4:preview",
		"1.35.2",
		"1.36.1",
		"1.37.0",
	)
}

func TestPlan(t *testing.T) {
	t.Parallel()
	std := stdProfile(t)
	tests := []struct {
		name     string
		current  Current
		desired  Desired
		policy   Policy // zero: the standard profile without previews
		want     []State
		wantKept []Kept
		wantErr  string
	}{
		// The shape of a plan.
		{
			name:    "nothing to do",
			current: live("1.33.4", "a=1.33.4"),
			desired: want("1.33.4"),
		},
		{
			name:    "patch-only change of a workerless shoot is one step",
			current: live("1.33.1"),
			desired: want("1.33.4"),
			want:    steps(state("1.33.4")),
		},
		{
			name:    "patch-only change moves the control plane, then the pools together",
			current: live("1.33.1", "a=1.33.1", "b=1.33.1"),
			desired: want("1.33.5"),
			want: steps(
				state("1.33.5", "a=1.33.1", "b=1.33.1"),
				state("1.33.5", "a=1.33.5", "b=1.33.5"),
			),
		},
		{
			// Cluster API's example: workers move only when the next control
			// plane minor would leave them 4 behind, and at the end.
			name:    "Cluster API's example 1.29 -> 1.33",
			current: live("1.29.5", "a=1.29.1", "b=1.29.5"),
			desired: want("1.33.4"),
			want: steps(
				state("1.30.6", "a=1.29.1", "b=1.29.5"),
				state("1.31.4", "a=1.29.1", "b=1.29.5"),
				state("1.32.3", "a=1.29.1", "b=1.29.5"),
				state("1.32.3", "a=1.32.3", "b=1.32.3"),
				state("1.33.4", "a=1.32.3", "b=1.32.3"),
				state("1.33.4", "a=1.33.4", "b=1.33.4"),
			),
		},
		{
			name:    "workerless shoot climbs alone through the newest usable patches",
			current: live("1.30.2"),
			desired: want("1.34.3"),
			want:    steps(state("1.31.4"), state("1.32.3"), state("1.33.5"), state("1.34.3")),
		},
		{
			name:    "intermediate minor takes its newest supported or deprecated patch",
			current: live("1.30.2"),
			desired: want("1.32.1"),
			policy: Policy{Versions: profile(t, "1.30.2", "1.31.1", "1.31.2:deprecated", "1.31.3:preview",
				"1.31.5:expired", "1.31.6:unavailable", "1.32.1")},
			want: steps(state("1.31.2"), state("1.32.1")),
		},
		{
			name:    "intermediate minor takes a preview patch when the policy allows",
			current: live("1.30.2"),
			desired: want("1.32.1"),
			policy: Policy{AllowPreview: true, Versions: profile(t, "1.30.2", "1.31.1", "1.31.2:deprecated",
				"1.31.3:preview", "1.31.5:expired", "1.31.6:unavailable", "1.32.1")},
			want: steps(state("1.31.3"), state("1.32.1")),
		},
		{
			name:    "a preview target Git names is fine without the policy",
			current: live("1.33.4", "a=1.33.4"),
			desired: want("1.34.4"),
			want:    steps(state("1.34.4", "a=1.33.4"), state("1.34.4", "a=1.34.4")),
		},

		// Pools and the skew.
		{
			// The landscape case: b trails by one minor, so it must
			// move before the control plane reaches 1.37; a need not.
			name:    "pool one minor behind moves once before the last minor",
			current: live("1.34.3", "a=1.34.3", "b=1.33.4"),
			desired: want("1.37.0"),
			want: steps(
				state("1.35.2", "a=1.34.3", "b=1.33.4"),
				state("1.36.1", "a=1.34.3", "b=1.33.4"),
				state("1.36.1", "a=1.34.3", "b=1.36.1"),
				state("1.37.0", "a=1.34.3", "b=1.36.1"),
				state("1.37.0", "a=1.37.0", "b=1.37.0"),
			),
		},
		{
			name:    "rolling pool skips minors at the end",
			current: live("1.31.4", "a=1.31.4"),
			desired: want("1.34.3"),
			want: steps(
				state("1.32.3", "a=1.31.4"),
				state("1.33.5", "a=1.31.4"),
				state("1.34.3", "a=1.31.4"),
				state("1.34.3", "a=1.34.3"),
			),
		},
		{
			name:    "pinned pool stays while the skew allows (blue/green)",
			current: live("1.31.4", "a=1.31.4", "b=1.31.4"),
			desired: want("1.34.3", "b=1.31.4"),
			want: steps(
				state("1.32.3", "a=1.31.4", "b=1.31.4"),
				state("1.33.5", "a=1.31.4", "b=1.31.4"),
				state("1.34.3", "a=1.31.4", "b=1.31.4"),
				state("1.34.3", "a=1.34.3", "b=1.31.4"),
			),
		},
		{
			// b must leave 1.30 before the control plane reaches 1.34; its own
			// target 1.32.3 is below the control plane's 1.33.4 and enough.
			name:    "pinned pool that must move goes straight to its target",
			current: live("1.33.4", "a=1.33.4", "b=1.30.6"),
			desired: want("1.35.2", "b=1.32.3"),
			want: steps(
				state("1.33.4", "a=1.33.4", "b=1.32.3"),
				state("1.34.3", "a=1.33.4", "b=1.32.3"),
				state("1.35.2", "a=1.33.4", "b=1.32.3"),
				state("1.35.2", "a=1.35.2", "b=1.32.3"),
			),
		},
		{
			name:    "pin exactly three minors behind the target stays put",
			current: live("1.33.4", "b=1.33.4"),
			desired: want("1.36.1", "b=1.33.4"),
			want:    steps(state("1.34.3", "b=1.33.4"), state("1.35.2", "b=1.33.4"), state("1.36.1", "b=1.33.4")),
		},
		{
			// b forces a pool step before 1.33; a could wait until then but
			// not until the end (1.30 is 4 behind 1.34), so it moves along
			// in the same step and no second pool step is needed.
			name:    "pool step carries along the pools that cannot wait for the end",
			current: live("1.31.4", "a=1.30.6", "b=1.29.5"),
			desired: want("1.34.3"),
			want: steps(
				state("1.32.3", "a=1.30.6", "b=1.29.5"),
				state("1.32.3", "a=1.32.3", "b=1.32.3"),
				state("1.33.5", "a=1.32.3", "b=1.32.3"),
				state("1.34.3", "a=1.32.3", "b=1.32.3"),
				state("1.34.3", "a=1.34.3", "b=1.34.3"),
			),
		},
		{
			name:    "in-place pool goes one minor at a time",
			current: live("1.33.4", "a=1.33.4", "b=1.31.4:inplace"),
			desired: want("1.35.2"),
			want: steps(
				state("1.34.3", "a=1.33.4", "b=1.31.4"),
				state("1.34.3", "a=1.33.4", "b=1.32.3"),
				state("1.35.2", "a=1.33.4", "b=1.32.3"),
				state("1.35.2", "a=1.35.2", "b=1.33.5"),
				state("1.35.2", "a=1.35.2", "b=1.34.3"),
				state("1.35.2", "a=1.35.2", "b=1.35.2"),
			),
		},
		{
			name:    "in-place pool within its minor moves in one step",
			current: live("1.33.1", "a=1.33.1:inplace"),
			desired: want("1.33.5"),
			want:    steps(state("1.33.5", "a=1.33.1"), state("1.33.5", "a=1.33.5")),
		},
		{
			// Before 1.33 both in-place pools step one minor; a's next minor
			// is the control plane's, whose 1.32.0 caps it below 1.32.3.
			name:    "in-place pool never passes the control plane's patch",
			current: live("1.32.0", "a=1.31.1:inplace", "b=1.29.1:inplace"),
			desired: want("1.33.4"),
			want: steps(
				state("1.32.0", "a=1.32.0", "b=1.30.6"),
				state("1.33.4", "a=1.32.0", "b=1.30.6"),
				state("1.33.4", "a=1.33.4", "b=1.31.4"),
				state("1.33.4", "a=1.33.4", "b=1.32.3"),
				state("1.33.4", "a=1.33.4", "b=1.33.4"),
			),
		},
		{
			name:    "rolling pool skips a minor the profile lacks",
			current: live("1.33.4", "a=1.31.4"),
			desired: want("1.34.3"),
			policy:  Policy{Versions: profile(t, "1.31.4", "1.33.4", "1.34.3")},
			want:    steps(state("1.34.3", "a=1.31.4"), state("1.34.3", "a=1.34.3")),
		},
		{
			// The live control plane version has expired and nothing older
			// is left for the pool: the control plane first takes the
			// newest patch of its minor, which the pool can then follow.
			name:    "control plane takes a newer patch first when a pool has nowhere to go",
			current: live("1.30.2", "a=1.27.3"),
			desired: want("1.31.1"),
			policy:  Policy{Versions: profile(t, "1.27.3", "1.30.2:expired", "1.30.5", "1.31.1")},
			want: steps(
				state("1.30.5", "a=1.27.3"),
				state("1.30.5", "a=1.30.5"),
				state("1.31.1", "a=1.30.5"),
				state("1.31.1", "a=1.31.1"),
			),
		},

		// Versions Gardener's maintenance raised.
		{
			name:     "control plane patch raised by maintenance is kept",
			current:  live("1.33.5", "a=1.33.5"),
			desired:  want("1.33.4"),
			wantKept: []Kept{{Desired: MustParseVersion("1.33.4"), Live: MustParseVersion("1.33.5")}},
		},
		{
			name:     "pools following a kept control plane reach its live patch",
			current:  live("1.33.5", "a=1.33.1"),
			desired:  want("1.33.4"),
			want:     steps(state("1.33.5", "a=1.33.5")),
			wantKept: []Kept{{Desired: MustParseVersion("1.33.4"), Live: MustParseVersion("1.33.5")}},
		},
		{
			name:     "pinned pool patch raised by maintenance is kept",
			current:  live("1.34.3", "a=1.33.5"),
			desired:  want("1.35.2", "a=1.33.4"),
			want:     steps(state("1.35.2", "a=1.33.5")),
			wantKept: []Kept{{Pool: "a", Desired: MustParseVersion("1.33.4"), Live: MustParseVersion("1.33.5")}},
		},

		// Requests that cannot be planned.
		{
			name:    "missing intermediate minor",
			current: live("1.33.4"),
			desired: want("1.36.1"),
			policy:  Policy{Versions: profile(t, "1.33.4", "1.34.3", "1.36.1")},
			wantErr: "control plane 1.33.4 -> 1.36.1: no usable version of 1.35",
		},
		{
			name:    "intermediate minor with only expired and unavailable patches",
			current: live("1.33.4"),
			desired: want("1.35.2"),
			policy:  Policy{Versions: profile(t, "1.33.4", "1.34.1:expired", "1.34.3:unavailable", "1.35.2")},
			wantErr: "control plane 1.33.4 -> 1.35.2: no usable version of 1.34",
		},
		{
			name:    "intermediate minor with only a preview the policy does not allow",
			current: live("1.33.4"),
			desired: want("1.35.2"),
			policy:  Policy{Versions: profile(t, "1.33.4", "1.34.4:preview", "1.35.2")},
			wantErr: "control plane 1.33.4 -> 1.35.2: no usable version of 1.34",
		},
		{
			name:    "in-place pool misses an intermediate minor a rolling one may skip",
			current: live("1.33.4", "a=1.31.4:inplace"),
			desired: want("1.34.3"),
			policy:  Policy{Versions: profile(t, "1.31.4", "1.33.4", "1.34.3")},
			wantErr: "in-place pool a 1.31.4 -> 1.34.3: no usable version of 1.32",
		},
		{
			name:    "pool that must move has no usable version to move to",
			current: live("1.30.2", "a=1.27.3"),
			desired: want("1.31.1"),
			policy:  Policy{Versions: profile(t, "1.27.3", "1.30.2:expired", "1.31.1")},
			wantErr: "pool a 1.27.3 -> 1.31.1: no usable version from 1.28 up to 1.30.2 to move to before control plane 1.31.1",
		},
		{
			name:    "control plane downgrade",
			current: live("1.34.3"),
			desired: want("1.33.5"),
			wantErr: "control plane 1.34.3 -> 1.33.5 is a downgrade, which Gardener refuses: set the fleet to 1.34.3 or later (Gardener's maintenance force-updates an expired version by a minor)",
		},
		{
			name:    "pinned pool downgrade",
			current: live("1.34.3", "a=1.34.3"),
			desired: want("1.34.3", "a=1.33.5"),
			wantErr: "pool a 1.34.3 -> 1.33.5 is a downgrade, which Gardener refuses: set the fleet to 1.34.3 or later (Gardener's maintenance force-updates an expired version by a minor)",
		},
		{
			name:    "pin the target would leave too far behind",
			current: live("1.33.4", "a=1.33.4", "b=1.31.4"),
			desired: want("1.36.1", "b=1.31.4"),
			wantErr: "pool b pinned to 1.31.4 would be 5 minors behind control plane target 1.36.1 (at most 3)",
		},
		{
			name:    "pool target newer than the control plane target",
			current: live("1.33.4", "a=1.33.4"),
			desired: want("1.34.3", "a=1.35.2"),
			wantErr: "pool a target 1.35.2 is newer than control plane target 1.34.3",
		},
		{
			name:    "live pool newer than the control plane",
			current: live("1.33.4", "a=1.34.3"),
			desired: want("1.34.3"),
			wantErr: "live pool a 1.34.3 is newer than control plane 1.33.4",
		},
		{
			name:    "live pool already too far behind",
			current: live("1.33.4", "a=1.29.5"),
			desired: want("1.34.3"),
			wantErr: "live pool a 1.29.5 is 4 minors behind control plane 1.33.4 (at most 3)",
		},
		{
			name:    "live pool listed twice",
			current: live("1.33.4", "a=1.33.4", "a=1.33.4"),
			desired: want("1.34.3"),
			wantErr: "live pool a is listed twice",
		},
		{
			name:    "desired pool the shoot does not have",
			current: live("1.33.4", "a=1.33.4"),
			desired: want("1.34.3", "d=1.34.3", "c=1.34.3"),
			wantErr: "desired pool c is not in the live shoot",
		},
		{
			name:    "desired control plane missing",
			current: live("1.33.4"),
			desired: Desired{},
			wantErr: "desired control plane version is empty",
		},
		{
			name:    "major version change",
			current: live("1.33.4"),
			desired: want("2.0.0"),
			wantErr: "control plane 1.33.4 -> 2.0.0 changes the major version",
		},
		{
			name:    "target missing from the cloud profile",
			current: live("1.33.4"),
			desired: want("1.34.9"),
			wantErr: "proposed plan is invalid: step 1: control plane 1.34.9 is not in the cloud profile",
		},
		{
			name:    "expired target",
			current: live("1.33.4", "a=1.33.4"),
			desired: want("1.34.3"),
			policy:  Policy{Versions: profile(t, "1.33.4", "1.34.3:expired")},
			wantErr: "proposed plan is invalid: step 1: control plane 1.34.3 is expired",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			policy := tt.policy
			if policy.Versions == nil {
				policy.Versions = std
			}
			got, err := Plan(tt.current, tt.desired, policy)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Plan() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Plan() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Steps); diff != "" {
				t.Errorf("Plan() steps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantKept, got.Kept); diff != "" {
				t.Errorf("Plan() kept (-want +got):\n%s", diff)
			}
			// The target is where the steps end, or the live state.
			end := tt.current.State()
			if len(tt.want) > 0 {
				end = tt.want[len(tt.want)-1]
			}
			if diff := cmp.Diff(end, got.Target); diff != "" {
				t.Errorf("Plan() target (-want +got):\n%s", diff)
			}
		})
	}
}
