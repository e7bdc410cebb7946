package clusters

import (
	"fmt"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/gardener/shoot"
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

// ShootStatus tells from a Shoot's status whether Gardener is done with it,
// by shoot.Confirm with no step applied: Ready when its last Create or
// Reconcile succeeded on the current generation, nothing waits for an
// in-place update and every condition is True; Failed when the last
// operation Failed, Errored or was Aborted, with the operation's description.
func ShootStatus(obj *unstructured.Unstructured) Health {
	s, err := shoot.Read(obj)
	if err != nil {
		return Health{Progressing, err.Error()}
	}
	return ShootHealth(s)
}

// ShootHealth is ShootStatus of a Shoot shoot.Read has read.
func ShootHealth(s *shoot.Shoot) Health {
	st := shoot.Confirm(s, time.Time{})
	switch st.State {
	case shoot.StepDone:
		return Health{Ready, st.Message}
	case shoot.StepFailed:
		return Health{Failed, st.Message}
	}
	return Health{Progressing, st.Message}
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
