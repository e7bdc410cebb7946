package shoot_test

import (
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/gardener/shoot"
)

const live = `
apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata: {name: s, namespace: garden-a, generation: 7, resourceVersion: "9"}
spec:
  cloudProfileName: old-metal
  region: local
  kubernetes: {version: 1.35.4, kubeAPIServer: {enableAnonymousAuthentication: false}}
  hibernation: {enabled: true, schedules: [{start: "00 19 * * 1"}]}
  maintenance:
    confineSpecUpdateRollout: true
    timeWindow: {begin: "220000+0100", end: "230000+0100"}
    autoUpdate: {kubernetesVersion: false, machineImageVersion: true}
  provider:
    type: metal
    workers:
    - {name: blue, minimum: 1, maximum: 3, machine: {type: m, image: {name: debian, version: "12"}}}
    - {name: green, kubernetes: {version: 1.33.2}, updateStrategy: ManualInPlaceUpdate, machine: {type: m}}
status:
  hibernated: false
  observedGeneration: 6
  technicalID: shoot--a--s
  lastOperation: {type: Reconcile, state: Processing, progress: 50, description: d, lastUpdateTime: "2026-12-01T10:00:00Z"}
  conditions:
  - {type: APIServerAvailable, status: "True", message: ok, lastTransitionTime: "2026-12-01T09:00:00Z"}
  inPlaceUpdates: {pendingWorkerUpdates: {manualInPlaceUpdate: [green]}}
`

func read(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRead(t *testing.T) {
	t.Parallel()
	u := read(t, live)
	before := u.DeepCopy()
	s, err := shoot.Read(u)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before.Object, u.Object); diff != "" {
		t.Errorf("Read changed the object:\n%s", diff)
	}
	kind, name := shoot.CloudProfile(s)
	got := map[string]any{
		"meta":         []any{s.Namespace, s.Name, s.Generation, s.ResourceVersion},
		"cloudProfile": kind + "/" + name,
		"version":      s.Spec.Kubernetes.Version,
		"region":       s.Spec.Region, // not read
		"kubeAPI":      s.Spec.Kubernetes.KubeAPIServer == nil,
		"hibernated":   shoot.Hibernated(s),
		"schedules":    len(s.Spec.Hibernation.Schedules), // not read
		"pools": []any{
			s.Spec.Provider.Workers[0].Name, shoot.PoolVersion(&s.Spec.Provider.Workers[0]), shoot.InPlace(&s.Spec.Provider.Workers[0]),
			*s.Spec.Provider.Workers[0].Machine.Image.Version, s.Spec.Provider.Workers[0].Maximum,
			s.Spec.Provider.Workers[1].Name, shoot.PoolVersion(&s.Spec.Provider.Workers[1]), shoot.InPlace(&s.Spec.Provider.Workers[1]),
		},
		"observed":    s.Status.ObservedGeneration,
		"technicalID": s.Status.TechnicalID, // not read
		"lastOp":      []any{string(s.Status.LastOperation.Type), string(s.Status.LastOperation.State), s.Status.LastOperation.Progress, s.Status.LastOperation.LastUpdateTime.UTC().Hour()},
		"condition":   string(shoot.Condition(s, "APIServerAvailable").Status),
		"noCondition": shoot.Condition(s, "EveryNodeReady") == nil,
		"pending":     shoot.PendingInPlace(s),
		"maintenance": []any{*s.Spec.Maintenance.ConfineSpecUpdateRollout, *s.Spec.Maintenance.TimeWindow,
			s.Spec.Maintenance.AutoUpdate.KubernetesVersion, *s.Spec.Maintenance.AutoUpdate.MachineImageVersion},
	}
	want := map[string]any{
		"meta":         []any{"garden-a", "s", int64(7), ""},
		"cloudProfile": "CloudProfile/old-metal",
		"version":      "1.35.4",
		"region":       "",
		"kubeAPI":      true,
		"hibernated":   true,
		"schedules":    0,
		"pools":        []any{"blue", "", false, "12", int32(0), "green", "1.33.2", true},
		"observed":     int64(6),
		"technicalID":  "",
		"lastOp":       []any{"Reconcile", "Processing", int32(50), 10},
		"condition":    "True",
		"noCondition":  true,
		"pending":      []string{"green"},
		"maintenance":  []any{true, gardencorev1beta1.MaintenanceTimeWindow{Begin: "220000+0100", End: "230000+0100"}, false, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
}

func TestCloudProfile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec       gardencorev1beta1.ShootSpec
		kind, name string
	}{
		{gardencorev1beta1.ShootSpec{}, "CloudProfile", ""},
		{gardencorev1beta1.ShootSpec{CloudProfile: &gardencorev1beta1.CloudProfileReference{Name: "metal"}}, "CloudProfile", "metal"},
		{gardencorev1beta1.ShootSpec{CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "own"}}, "NamespacedCloudProfile", "own"},
		{gardencorev1beta1.ShootSpec{CloudProfileName: new("old")}, "CloudProfile", "old"},                                                                      //nolint:staticcheck // SA1019: the deprecated field is the case
		{gardencorev1beta1.ShootSpec{CloudProfileName: new("old"), CloudProfile: &gardencorev1beta1.CloudProfileReference{Name: "new"}}, "CloudProfile", "new"}, //nolint:staticcheck // SA1019: as above
	}
	for _, tt := range tests {
		kind, name := shoot.CloudProfile(&shoot.Shoot{Spec: tt.spec})
		if kind != tt.kind || name != tt.name {
			t.Errorf("CloudProfile(%+v) = %s %s, want %s %s", tt.spec, kind, name, tt.kind, tt.name)
		}
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, wantErr string
	}{
		{"a version that is a number", "metadata: {name: s, namespace: ns}\nspec: {kubernetes: {version: 1.35}}", "reading Shoot ns/s: spec.kubernetes.version: want a string, got float64"},
		{"workers not a list", "metadata: {name: s, namespace: ns}\nspec: {provider: {workers: {a: 1}}}", "reading Shoot ns/s: spec.provider.workers: want a list, got map[string]interface {}"},
		{"a worker not an object", "metadata: {name: s, namespace: ns}\nspec: {provider: {workers: [x]}}", "reading Shoot ns/s: spec.provider.workers[0]: want an object, got string"},
		{"conditions not a list", "metadata: {name: s, namespace: ns}\nstatus: {conditions: x}", "reading Shoot ns/s: status.conditions: want a list, got string"},
		{"a worker's version a number", "metadata: {name: s, namespace: ns}\nspec: {provider: {workers: [{name: a}, {name: b, kubernetes: {version: 1}}]}}", "reading Shoot ns/s: spec.provider.workers[1].kubernetes.version: want a string, got float64"},
		{"a generation that is not whole", "metadata: {name: s, namespace: ns}\nstatus: {observedGeneration: 1.5}", "reading Shoot ns/s: status.observedGeneration: want an integer, got float64"},
		{"a condition's status a number", "metadata: {name: s, namespace: ns}\nstatus: {conditions: [{type: A, status: 1}]}", "reading Shoot ns/s: status.conditions[0]: unrecognized type: string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := shoot.Read(read(t, tt.doc))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("error = %q, want %q", got, tt.wantErr)
			}
		})
	}
}
