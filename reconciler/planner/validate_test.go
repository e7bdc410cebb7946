package planner

import (
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	std := stdProfile(t)
	tests := []struct {
		name    string
		current Current
		target  State
		steps   []State
		policy  Policy // zero: the standard profile without previews
		wantErr string
	}{
		{
			name:    "valid plan",
			current: live("1.33.4", "a=1.33.4", "b=1.31.4:inplace"),
			target:  state("1.35.2", "a=1.35.2", "b=1.33.5"),
			steps: steps(
				state("1.34.3", "a=1.33.4", "b=1.31.4"),
				state("1.34.3", "a=1.33.4", "b=1.32.3"),
				state("1.35.2", "a=1.33.4", "b=1.32.3"),
				state("1.35.2", "a=1.35.2", "b=1.33.5"),
			),
		},
		{
			name:    "no steps when already at the target",
			current: live("1.33.4", "a=1.33.4"),
			target:  state("1.33.4", "a=1.33.4"),
		},
		{
			name:    "pools may move more often than needed",
			current: live("1.31.4", "a=1.31.4"),
			target:  state("1.33.5", "a=1.33.5"),
			steps: steps(
				state("1.32.3", "a=1.31.4"),
				state("1.32.3", "a=1.32.3"),
				state("1.33.5", "a=1.32.3"),
				state("1.33.5", "a=1.33.5"),
			),
		},

		// Control plane moves.
		{
			name:    "control plane skips a minor",
			current: live("1.30.6"),
			target:  state("1.33.5"),
			steps:   steps(state("1.31.4"), state("1.33.5")),
			wantErr: "step 2: control plane 1.31.4 -> 1.33.5 skips a minor",
		},
		{
			name:    "control plane downgrade",
			current: live("1.33.4"),
			target:  state("1.33.4"),
			steps:   steps(state("1.32.3"), state("1.33.4")),
			wantErr: "step 1: control plane 1.33.4 -> 1.32.3 is a downgrade",
		},
		{
			name:    "control plane changes the major version",
			current: live("1.33.4"),
			target:  state("2.0.0"),
			steps:   steps(state("2.0.0")),
			wantErr: "step 1: control plane 1.33.4 -> 2.0.0 changes the major version",
		},
		{
			name:    "control plane onto a version the profile lacks",
			current: live("1.33.4"),
			target:  state("1.34.9"),
			steps:   steps(state("1.34.9")),
			wantErr: "step 1: control plane 1.34.9 is not in the cloud profile",
		},
		{
			name:    "control plane onto an expired version",
			current: live("1.33.4"),
			target:  state("1.34.3"),
			steps:   steps(state("1.34.3")),
			policy:  Policy{Versions: profile(t, "1.33.4", "1.34.3:expired")},
			wantErr: "step 1: control plane 1.34.3 is expired",
		},
		{
			name:    "control plane onto an unavailable version",
			current: live("1.33.4"),
			target:  state("1.34.3"),
			steps:   steps(state("1.34.3")),
			policy:  Policy{Versions: profile(t, "1.33.4", "1.34.3:unavailable")},
			wantErr: "step 1: control plane 1.34.3 is unavailable",
		},
		{
			name:    "intermediate preview the policy does not allow",
			current: live("1.33.4"),
			target:  state("1.35.2"),
			steps:   steps(state("1.34.4"), state("1.35.2")),
			wantErr: "step 1: control plane 1.34.4 is a preview version, which the policy does not allow",
		},
		{
			name:    "intermediate preview the policy allows",
			current: live("1.33.4"),
			target:  state("1.35.2"),
			steps:   steps(state("1.34.4"), state("1.35.2")),
			policy:  Policy{Versions: std, AllowPreview: true},
		},

		// What a step may move.
		{
			name:    "step that changes nothing",
			current: live("1.33.4", "a=1.33.4"),
			target:  state("1.34.3", "a=1.34.3"),
			steps:   steps(state("1.33.4", "a=1.33.4"), state("1.34.3", "a=1.33.4"), state("1.34.3", "a=1.34.3")),
			wantErr: "step 1: changes nothing",
		},
		{
			name:    "control plane and pool move together",
			current: live("1.33.4", "a=1.33.4"),
			target:  state("1.34.3", "a=1.34.3"),
			steps:   steps(state("1.34.3", "a=1.34.3")),
			wantErr: "step 1: moves the control plane and pool a together; the control plane must go first",
		},
		{
			name:    "step misses a pool",
			current: live("1.33.4", "a=1.33.4", "b=1.33.4"),
			target:  state("1.34.3", "a=1.34.3", "b=1.34.3"),
			steps:   steps(state("1.34.3", "a=1.33.4")),
			wantErr: "step 1: has 1 pools, want 2",
		},
		{
			name:    "step names pools out of order",
			current: live("1.33.4", "a=1.33.4", "b=1.33.4"),
			target:  state("1.34.3", "a=1.34.3", "b=1.34.3"),
			steps:   steps(state("1.34.3", "b=1.33.4", "a=1.33.4")),
			wantErr: `step 1: pool #1 is "b", want "a"`,
		},
		{
			name:    "target misses a pool",
			current: live("1.33.4", "a=1.33.4", "b=1.33.4"),
			target:  state("1.34.3", "a=1.34.3"),
			wantErr: "target has 1 pools, the live shoot 2",
		},

		// Pool moves and the skew.
		{
			name:    "pool downgrade",
			current: live("1.33.4", "a=1.33.4"),
			target:  state("1.34.3", "a=1.34.3"),
			steps:   steps(state("1.34.3", "a=1.33.4"), state("1.34.3", "a=1.32.3"), state("1.34.3", "a=1.34.3")),
			wantErr: "step 2: pool a 1.33.4 -> 1.32.3 is a downgrade",
		},
		{
			name:    "in-place pool skips a minor",
			current: live("1.33.4", "b=1.31.4:inplace"),
			target:  state("1.33.4", "b=1.33.4"),
			steps:   steps(state("1.33.4", "b=1.33.4")),
			wantErr: "step 1: in-place pool b 1.31.4 -> 1.33.4 skips a minor",
		},
		{
			name:    "rolling pool may skip minors",
			current: live("1.33.4", "b=1.31.4"),
			target:  state("1.33.4", "b=1.33.4"),
			steps:   steps(state("1.33.4", "b=1.33.4")),
		},
		{
			name:    "pool onto a version the profile lacks",
			current: live("1.33.4", "a=1.33.1"),
			target:  state("1.33.4", "a=1.33.2"),
			steps:   steps(state("1.33.4", "a=1.33.2")),
			wantErr: "step 1: pool a 1.33.2 is not in the cloud profile",
		},
		{
			name:    "pool onto a preview the policy does not allow",
			current: live("1.33.4", "a=1.33.4"),
			target:  state("1.35.2", "a=1.35.2"),
			steps:   steps(state("1.34.4", "a=1.33.4"), state("1.34.4", "a=1.34.4")),
			policy:  Policy{Versions: profile(t, "1.33.4", "1.34.4:preview", "1.35.2")},
			wantErr: "step 1: control plane 1.34.4 is a preview version, which the policy does not allow",
		},
		{
			name:    "pool onto the preview the live control plane runs",
			current: live("1.34.4", "a=1.33.4"),
			target:  state("1.35.2", "a=1.35.2"),
			steps:   steps(state("1.34.4", "a=1.34.4"), state("1.35.2", "a=1.34.4"), state("1.35.2", "a=1.35.2")),
		},
		{
			name:    "pool onto a preview neither Git nor the live shoot names",
			current: live("1.35.2", "a=1.33.4"),
			target:  state("1.35.2", "a=1.35.2"),
			steps:   steps(state("1.35.2", "a=1.34.4"), state("1.35.2", "a=1.35.2")),
			wantErr: "step 1: pool a 1.34.4 is a preview version, which the policy does not allow",
		},
		{
			name:    "pool ahead of the control plane",
			current: live("1.33.4", "a=1.33.4"),
			target:  state("1.33.5", "a=1.33.5"),
			steps:   steps(state("1.33.4", "a=1.33.5"), state("1.33.5", "a=1.33.5")),
			wantErr: "step 1: pool a 1.33.5 is newer than control plane 1.33.4",
		},
		{
			name:    "pool left four minors behind",
			current: live("1.33.4", "a=1.33.4", "b=1.30.6"),
			target:  state("1.34.3", "a=1.34.3", "b=1.34.3"),
			steps:   steps(state("1.34.3", "a=1.33.4", "b=1.30.6"), state("1.34.3", "a=1.34.3", "b=1.34.3")),
			wantErr: "step 1: pool b 1.30.6 is 4 minors behind control plane 1.34.3 (at most 3)",
		},

		// Where the plan ends.
		{
			name:    "control plane short of the target",
			current: live("1.33.4"),
			target:  state("1.35.2"),
			steps:   steps(state("1.34.3")),
			wantErr: "plan ends with control plane at 1.34.3, want 1.35.2",
		},
		{
			name:    "pool short of the target",
			current: live("1.33.4", "a=1.33.4"),
			target:  state("1.34.3", "a=1.34.3"),
			steps:   steps(state("1.34.3", "a=1.33.4")),
			wantErr: "plan ends with pool a at 1.33.4, want 1.34.3",
		},
		{
			name:    "no steps but not at the target",
			current: live("1.33.4"),
			target:  state("1.34.3"),
			wantErr: "plan ends with control plane at 1.33.4, want 1.34.3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			policy := tt.policy
			if policy.Versions == nil {
				policy.Versions = std
			}
			err := Validate(tt.current, tt.target, tt.steps, policy)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() error = %v", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("Validate() error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// oneMinorAtATime proposes like Cluster API's simplest plan function: the
// control plane straight to the target, pools at the end.
func oneMinorAtATime(current Current, target State, _ Policy) ([]State, error) {
	cp := State{ControlPlane: target.ControlPlane, Pools: current.State().Pools}
	return []State{cp, target}, nil
}

func TestPlanWithValidatesTheProposal(t *testing.T) {
	t.Parallel()
	policy := Policy{Versions: stdProfile(t)}

	_, err := PlanWith(oneMinorAtATime, live("1.31.4", "a=1.31.4"), want("1.33.5"), policy)
	wantErr := "proposed plan is invalid: step 1: control plane 1.31.4 -> 1.33.5 skips a minor"
	if err == nil || err.Error() != wantErr {
		t.Fatalf("PlanWith() error = %v, want %q", err, wantErr)
	}

	// Within one minor the same proposer is fine.
	got, err := PlanWith(oneMinorAtATime, live("1.33.1", "a=1.33.1"), want("1.33.5"), policy)
	if err != nil {
		t.Fatalf("PlanWith() error = %v", err)
	}
	if len(got.Steps) != 2 || !got.Steps[1].Equal(state("1.33.5", "a=1.33.5")) {
		t.Fatalf("PlanWith() steps = %v", got.Steps)
	}
}
