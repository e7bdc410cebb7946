package reconciler

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/clusters"
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

func TestTrimLiveShootKeepsWhatPlanningReads(t *testing.T) {
	full := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(liveShootYAML), &full.Object); err != nil {
		t.Fatal(err)
	}
	observed := observeLiveShoot(full.DeepCopy())
	trimmed := observed.shoot
	desired := full.DeepCopy()
	_ = unstructured.SetNestedField(desired.Object, "1.36.2", "spec", "kubernetes", "version")

	// The health is the full Shoot's, read before its status is dropped.
	if diff := cmp.Diff(clusters.ShootStatus(full), observed.health); diff != "" {
		t.Errorf("health differs (-full +observed):\n%s", diff)
	}
	if hibernated(full) != hibernated(trimmed) {
		t.Error("hibernated differs")
	}
	cpFull, poolsFull := liveVersions(full)
	cpTrim, poolsTrim := liveVersions(trimmed)
	if cpFull != cpTrim || !cmp.Equal(poolsFull, poolsTrim) {
		t.Errorf("liveVersions: full %s %v, trimmed %s %v", cpFull, poolsFull, cpTrim, poolsTrim)
	}
	curFull, wantFull, errFull := shootVersions(full, desired)
	curTrim, wantTrim, errTrim := shootVersions(trimmed, desired)
	if diff := cmp.Diff([]any{curFull, wantFull, errFull == nil}, []any{curTrim, wantTrim, errTrim == nil}); diff != "" {
		t.Errorf("shootVersions differs (-full +trimmed):\n%s", diff)
	}
	fromFull, err1 := withLiveVersions(desired, full)
	fromTrim, err2 := withLiveVersions(desired, trimmed)
	if err1 != nil || err2 != nil {
		t.Fatalf("withLiveVersions: %v, %v", err1, err2)
	}
	if diff := cmp.Diff(fromFull.Object, fromTrim.Object); diff != "" {
		t.Errorf("withLiveVersions differs (-full +trimmed):\n%s", diff)
	}
	// And it is smaller: none of what planning does not read is kept.
	for _, f := range [][]string{{"metadata", "managedFields"}, {"spec", "region"}, {"spec", "provider", "infrastructureConfig"},
		{"status", "technicalID"}, {"status", "conditions"}, {"status", "lastOperation"}} {
		if _, ok, _ := unstructured.NestedFieldNoCopy(trimmed.Object, f...); ok {
			t.Errorf("trimmed Shoot keeps %v", f)
		}
	}
}
