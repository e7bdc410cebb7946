package reconciler

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
)

// liveShootYAML is a live Shoot as the API server returns it, with the
// fields planning never reads (managedFields, machine images, ...).
const liveShootYAML = `
apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: s
  namespace: garden-a
  generation: 7
  resourceVersion: "123"
  uid: 0b8c
  labels: {gardenfleet.dev/name: f}
  annotations: {gardenfleet.dev/digest: abc}
  managedFields:
  - manager: gardenfleet
    operation: Apply
    fieldsV1: {f:spec: {f:region: {}}}
spec:
  region: local
  cloudProfile: {kind: CloudProfile, name: metal}
  kubernetes: {version: 1.35.4, kubeAPIServer: {enableAnonymousAuthentication: false}}
  hibernation: {enabled: false, schedules: [{start: "00 19 * * 1"}]}
  provider:
    type: metal
    infrastructureConfig: {partitionID: p}
    workers:
    - name: blue
      machine: {type: m, image: {name: debian, version: "12"}}
      minimum: 1
      maximum: 3
    - name: green
      kubernetes: {version: 1.33.2}
      updateStrategy: AutoInPlaceUpdate
      machine: {type: m}
status:
  hibernated: false
  observedGeneration: 6
  lastOperation: {type: Reconcile, state: Processing, progress: 50}
  conditions:
  - {type: APIServerAvailable, status: "True", message: ok}
  - {type: ControlPlaneHealthy, status: "False", message: degraded}
  technicalID: shoot--a--s
`

func TestObserveLiveShoot(t *testing.T) {
	t.Parallel()
	full := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(liveShootYAML), &full.Object); err != nil {
		t.Fatal(err)
	}
	asleep := full.DeepCopy()
	_ = unstructured.SetNestedField(asleep.Object, true, "status", "hibernated")
	falling := full.DeepCopy()
	_ = unstructured.SetNestedField(falling.Object, true, "spec", "hibernation", "enabled")
	unreadable := full.DeepCopy()
	_ = unstructured.SetNestedField(unreadable.Object, int64(1), "spec", "kubernetes", "version")

	pools := []worker{{name: "blue"}, {name: "green", version: "1.33.2", inPlace: true}}
	op := &v1alpha1.LastOperation{Type: "Reconcile", State: "Processing"}
	tests := []struct {
		name string
		live *unstructured.Unstructured
		want shootState
	}{
		{name: "awake", live: full, want: shootState{controlPlane: "1.35.4", pools: pools, lastOperation: op}},
		{name: "hibernated", live: asleep, want: shootState{controlPlane: "1.35.4", pools: pools, hibernated: true, lastOperation: op}},
		{name: "about to hibernate", live: falling, want: shootState{controlPlane: "1.35.4", pools: pools, hibernated: true, lastOperation: op}},
		{name: "unreadable", live: unreadable, want: shootState{err: errors.New(`reading Shoot garden-a/s: spec.kubernetes.version: want a string, got int64`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := observeLiveShoot(tt.live, time.Time{})
			if diff := cmp.Diff(tt.want, got.shootState, cmp.AllowUnexported(shootState{}, worker{}), cmp.Comparer(sameError)); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
			// The verdict is the full Shoot's: its status is not kept.
			s, err := shoot.Read(tt.live)
			want := shoot.Step{State: shoot.StepRunning}
			if err != nil {
				want.Message = err.Error()
			} else {
				want = shoot.Confirm(s, time.Time{})
			}
			if diff := cmp.Diff(want, got.step); diff != "" {
				t.Errorf("step (-want +got):\n%s", diff)
			}
		})
	}
}

func sameError(a, b error) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Error() == b.Error()
}
