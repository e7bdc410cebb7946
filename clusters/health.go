package clusters

import (
	"fmt"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// HealthState is where an object stands on its way to ready.
type HealthState string

// Health states.
const (
	// Ready means the object is done: nothing more to wait for.
	Ready HealthState = "Ready"
	// Progressing means not done yet; waiting longer may help.
	Progressing HealthState = "Progressing"
	// Failed means the object reported a failure; waiting will not help.
	Failed HealthState = "Failed"
)

// Health is the state of one object and the message explaining it.
type Health struct {
	State   HealthState
	Message string
}

// Shoot conditions. Gardener has no Ready condition.
const (
	condAPIServerAvailable      = "APIServerAvailable"
	condControlPlaneHealthy     = "ControlPlaneHealthy"
	condEveryNodeReady          = "EveryNodeReady"
	condSystemComponentsHealthy = "SystemComponentsHealthy"
)

// ShootStatus tells from a Shoot's status whether Gardener is done with it.
// A Shoot is Ready when status.observedGeneration equals metadata.generation,
// status.lastOperation.state is Succeeded, and the conditions
// APIServerAvailable, ControlPlaneHealthy, EveryNodeReady and
// SystemComponentsHealthy are True; a workerless Shoot (no
// spec.provider.workers) may lack the last two. A hibernated Shoot is Ready
// once its last operation succeeded: it has no nodes to be healthy. A last
// operation in state Failed, Error or Aborted makes it Failed with the
// operation's description.
func ShootStatus(obj *unstructured.Unstructured) Health {
	if obj.GetDeletionTimestamp() != nil {
		return Health{Progressing, "being deleted"}
	}
	gen := obj.GetGeneration()
	observed, found, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	if !found || observed < gen {
		return Health{Progressing, fmt.Sprintf("waiting for gardener to observe generation %d (observed %d)", gen, observed)}
	}

	op, found, _ := unstructured.NestedMap(obj.Object, "status", "lastOperation")
	if !found {
		return Health{Progressing, "no operation reported yet"}
	}
	opType, _, _ := unstructured.NestedString(op, "type")
	state, _, _ := unstructured.NestedString(op, "state")
	desc, _, _ := unstructured.NestedString(op, "description")
	switch state {
	case "Succeeded":
	case "Failed", "Error", "Aborted":
		return Health{Failed, fmt.Sprintf("last operation %s %s: %s", opType, state, desc)}
	default:
		progress, _, _ := unstructured.NestedInt64(op, "progress")
		return Health{Progressing, fmt.Sprintf("last operation %s %s (%d%%): %s", opType, state, progress, desc)}
	}

	if hibernated, _, _ := unstructured.NestedBool(obj.Object, "status", "hibernated"); hibernated {
		return Health{Ready, "hibernated"}
	}

	workers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "provider", "workers")
	conds := shootConditions(obj)
	for _, ct := range []string{condAPIServerAvailable, condControlPlaneHealthy, condEveryNodeReady, condSystemComponentsHealthy} {
		c, ok := conds[ct]
		if !ok {
			if len(workers) == 0 && (ct == condEveryNodeReady || ct == condSystemComponentsHealthy) {
				continue
			}
			return Health{Progressing, fmt.Sprintf("condition %s not reported yet", ct)}
		}
		if c.status != "True" {
			return Health{Progressing, fmt.Sprintf("condition %s is %s: %s", ct, c.status, c.message)}
		}
	}
	return Health{Ready, fmt.Sprintf("last operation %s Succeeded", opType)}
}

type condition struct{ status, message string }

func shootConditions(obj *unstructured.Unstructured) map[string]condition {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	out := make(map[string]condition, len(list))
	for _, c := range list {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		t, _ := m["type"].(string)
		s, _ := m["status"].(string)
		msg, _ := m["message"].(string)
		out[t] = condition{status: s, message: msg}
	}
	return out
}

// TopologyStatus tells from a clabernetes Topology's status whether it is
// up: Ready when status.topologyReady is true, Failed when
// status.topologyState is deployfailed.
func TopologyStatus(obj *unstructured.Unstructured) Health {
	if obj.GetDeletionTimestamp() != nil {
		return Health{Progressing, "being deleted"}
	}
	state, _, _ := unstructured.NestedString(obj.Object, "status", "topologyState")
	if ready, _, _ := unstructured.NestedBool(obj.Object, "status", "topologyReady"); ready {
		return Health{Ready, "topology ready"}
	}
	switch state {
	case "deployfailed":
		return Health{Failed, "topology state deployfailed"}
	case "":
		return Health{Progressing, "topology state not reported yet"}
	}
	return Health{Progressing, "topology state " + state}
}

// ObjectStatus dispatches on kind: Shoots and Topologies by their own rules,
// everything else by kstatus (Current is Ready).
func ObjectStatus(obj *unstructured.Unstructured) Health {
	gvk := obj.GroupVersionKind()
	switch {
	case isShoot(obj):
		return ShootStatus(obj)
	case gvk.Group == "clabernetes.containerlab.dev" && gvk.Kind == "Topology":
		return TopologyStatus(obj)
	}
	res, err := status.Compute(obj)
	if err != nil {
		return Health{Progressing, fmt.Sprintf("compute status: %v", err)}
	}
	switch res.Status {
	case status.CurrentStatus:
		return Health{Ready, res.Message}
	case status.FailedStatus:
		return Health{Failed, res.Message}
	}
	return Health{Progressing, res.Message}
}
