package clusters

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/gardener/shoot/shoottest"
)

// healthyConditions are the four shoot conditions, all True.
var healthyConditions = []string{
	"APIServerAvailable", "True", "ControlPlaneHealthy", "True",
	"EveryNodeReady", "True", "SystemComponentsHealthy", "True",
}

func TestShootStatus(t *testing.T) {
	t.Parallel()
	withWorkers := func() *shoottest.Builder {
		return newShoot("garden-dev", "a").Pool(pool("p", "", "")).Generation(2, 2)
	}
	workerless := func() *shoottest.Builder { return newShoot("garden-dev", "a").Generation(2, 2) }
	deleting := withWorkers().LastOperation("Reconcile", "Succeeded", "").Conditions(healthyConditions...).Unstructured()
	deleting.SetDeletionTimestamp(ptr(metav1.NewTime(time.Unix(1700000000, 0))))

	tests := []struct {
		name  string
		shoot *unstructured.Unstructured
		want  Health
	}{
		// ready
		{
			name:  "reconciled and healthy",
			shoot: withWorkers().LastOperation("Reconcile", "Succeeded", "done").Conditions(healthyConditions...).Unstructured(),
			want:  Health{Ready, "last operation Reconcile Succeeded"},
		},
		{
			name: "workerless without node conditions",
			shoot: workerless().LastOperation("Create", "Succeeded", "").
				Conditions("APIServerAvailable", "True", "ControlPlaneHealthy", "True").Unstructured(),
			want: Health{Ready, "last operation Create Succeeded"},
		},
		{
			name:  "hibernated needs no healthy nodes",
			shoot: withWorkers().LastOperation("Reconcile", "Succeeded", "").Set(true, "status", "hibernated").Unstructured(),
			want:  Health{Ready, "hibernated"},
		},

		// progressing
		{
			name:  "generation not observed",
			shoot: newShoot("garden-dev", "a").Generation(3, 2).LastOperation("Reconcile", "Succeeded", "").Conditions(healthyConditions...).Unstructured(),
			want:  Health{Progressing, "waiting for gardener to observe generation 3 (observed 2)"},
		},
		{
			name:  "no status at all",
			shoot: newShoot("garden-dev", "a").Generation(1, 0).Unstructured(),
			want:  Health{Progressing, "waiting for gardener to observe generation 1 (observed 0)"},
		},
		{
			name:  "no last operation",
			shoot: withWorkers().Unstructured(),
			want:  Health{Progressing, "no operation reported yet"},
		},
		{
			name: "processing",
			shoot: withWorkers().LastOperation("Create", "Processing", "Waiting for control plane").
				Set(int64(42), "status", "lastOperation", "progress").Unstructured(),
			want: Health{Progressing, "last operation Create Processing (42%): Waiting for control plane"},
		},
		{
			name: "a condition false",
			shoot: withWorkers().LastOperation("Reconcile", "Succeeded", "").Conditions(
				"APIServerAvailable", "True", "ControlPlaneHealthy", "True",
				"EveryNodeReady", "False", "SystemComponentsHealthy", "True").Unstructured(),
			want: Health{Progressing, "condition EveryNodeReady is False: EveryNodeReady says False"},
		},
		{
			name: "with workers the node conditions are required",
			shoot: withWorkers().LastOperation("Reconcile", "Succeeded", "").
				Conditions("APIServerAvailable", "True", "ControlPlaneHealthy", "True").Unstructured(),
			want: Health{Progressing, "condition EveryNodeReady not reported yet"},
		},
		{
			name: "workerless reporting a node condition must have it true",
			shoot: workerless().LastOperation("Reconcile", "Succeeded", "").Conditions(
				"APIServerAvailable", "True", "ControlPlaneHealthy", "True", "SystemComponentsHealthy", "Unknown").Unstructured(),
			want: Health{Progressing, "condition SystemComponentsHealthy is Unknown: SystemComponentsHealthy says Unknown"},
		},
		{name: "being deleted", shoot: deleting, want: Health{Progressing, "being deleted"}},
		{
			name: "an in-place update pending",
			shoot: withWorkers().LastOperation("Reconcile", "Succeeded", "").Conditions(healthyConditions...).
				Set([]any{"p"}, "status", "inPlaceUpdates", "pendingWorkerUpdates", "manualInPlaceUpdate").Unstructured(),
			want: Health{Progressing, "in-place update pending for pools p"},
		},
		{
			name:  "a status field of the wrong type",
			shoot: withWorkers().LastOperation("Reconcile", "Succeeded", "").Set("high", "status", "lastOperation", "progress").Unstructured(),
			want:  Health{Progressing, `reading Shoot garden-dev/a: status.lastOperation: unrecognized type: int32`},
		},

		// failed
		{
			name:  "last operation failed",
			shoot: withWorkers().LastOperation("Create", "Failed", "infrastructure: quota exceeded").Unstructured(),
			want:  Health{Failed, "last operation Create Failed: infrastructure: quota exceeded"},
		},
		{
			name:  "last operation error",
			shoot: withWorkers().LastOperation("Reconcile", "Error", "etcd unreachable").Unstructured(),
			want:  Health{Failed, "last operation Reconcile Error: etcd unreachable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, ShootStatus(tt.shoot)); diff != "" {
				t.Errorf("ShootStatus() (-want +got):\n%s", diff)
			}
			// ObjectStatus dispatches Shoots here.
			if diff := cmp.Diff(tt.want, ObjectStatus(tt.shoot)); diff != "" {
				t.Errorf("ObjectStatus() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTopologyAndGenericStatus(t *testing.T) {
	t.Parallel()
	topo := func(status map[string]any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "clabernetes.containerlab.dev/v1alpha1", "kind": "Topology",
			"metadata": map[string]any{"name": "lab", "namespace": "labs"},
		}}
		if status != nil {
			u.Object["status"] = status
		}
		return u
	}
	cm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "namespace": "n"},
	}}
	tests := []struct {
		name string
		obj  *unstructured.Unstructured
		want Health
	}{
		{name: "topology ready", obj: topo(map[string]any{"topologyState": "running", "topologyReady": true}), want: Health{Ready, "topology ready"}},
		{name: "topology deploying", obj: topo(map[string]any{"topologyState": "deploying", "topologyReady": false}), want: Health{Progressing, "topology state deploying"}},
		{name: "topology failed", obj: topo(map[string]any{"topologyState": "deployfailed"}), want: Health{Failed, "topology state deployfailed"}},
		{name: "topology without status", obj: topo(nil), want: Health{Progressing, "topology state not reported yet"}},
		{name: "configmap exists", obj: cm, want: Health{Ready, "Resource is always ready"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, ObjectStatus(tt.obj)); diff != "" {
				t.Errorf("ObjectStatus() (-want +got):\n%s", diff)
			}
		})
	}
}
