package fleet_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The schema of `shoot` is Gardener's ShootSpec: what its Go types do not
// have or cannot hold is refused where it is written, on any layer.
func TestShootFieldsSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "a field of Gardener's ShootSpec on a shoot",
			src: `shoots: s: {project: "a", pools: p: {}, shoot: spec: controlPlane: highAvailability: failureTolerance: type: "zone"}`},
		{name: "on defaults and an environment",
			src: `defaults: shoot: spec: seedSelector: matchLabels: tier: "gold"
environments: dev: shoot: spec: kubernetes: kubeAPIServer: requests: maxNonMutatingInflight: 800
shoots: s: {project: "a", environment: "dev", pools: p: {}}`},
		{name: "unknown field",
			src:  `shoots: s: {project: "a", pools: p: {}, shoot: spec: controlPlane: highAvailability: failureTolerance: typ: "zone"}`,
			want: []string{`case.cue:3:104: shoots.s.shoot.spec.controlPlane.highAvailability.failureTolerance.typ: field not allowed`}},
		{name: "wrong type",
			src:  `defaults: shoot: spec: kubernetes: kubeAPIServer: requests: maxNonMutatingInflight: "many"`,
			want: []string{`case.cue:3:85: defaults.shoot.spec.kubernetes.kubeAPIServer.requests.maxNonMutatingInflight: conflicting values "many" and int32 (mismatched types string and int)`}},
		{name: "metadata is not for shoot",
			src:  `shoots: s: {project: "a", pools: p: {}, shoot: metadata: labels: x: "y"}`,
			want: []string{`case.cue:3:48: shoots.s.shoot.metadata: field not allowed`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, got := loadCase(t, tt.src)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
		})
	}
}
