package clusters

import (
	"fmt"
	"strings"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
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

// Shoot conditions. Gardener has no Ready condition.
const (
	condAPIServerAvailable      = "APIServerAvailable"
	condControlPlaneHealthy     = "ControlPlaneHealthy"
	condEveryNodeReady          = "EveryNodeReady"
	condSystemComponentsHealthy = "SystemComponentsHealthy"
)

// ShootStatus tells from a Shoot's status whether Gardener is done with it.
// A Shoot is Ready when status.observedGeneration equals metadata.generation,
// status.lastOperation.state is Succeeded, no worker pool waits for an
// in-place update (status.inPlaceUpdates.pendingWorkerUpdates), and the
// conditions APIServerAvailable, ControlPlaneHealthy, EveryNodeReady and
// SystemComponentsHealthy are True; a workerless Shoot (no
// spec.provider.workers) may lack the last two. A hibernated Shoot is Ready
// once its last operation succeeded: it has no nodes to be healthy. A last
// operation in state Failed, Error or Aborted makes it Failed with the
// operation's description.
func ShootStatus(obj *unstructured.Unstructured) Health {
	s, err := shoot.Read(obj)
	if err != nil {
		return Health{Progressing, err.Error()}
	}
	return ShootHealth(s)
}

// ShootHealth is ShootStatus of a Shoot shoot.Read has read.
func ShootHealth(s *shoot.Shoot) Health {
	if s.DeletionTimestamp != nil {
		return Health{Progressing, "being deleted"}
	}
	gen, observed := s.Generation, s.Status.ObservedGeneration
	if observed == 0 || observed < gen {
		return Health{Progressing, fmt.Sprintf("waiting for gardener to observe generation %d (observed %d)", gen, observed)}
	}

	op := s.Status.LastOperation
	if op == nil {
		return Health{Progressing, "no operation reported yet"}
	}
	switch op.State {
	case gardencorev1beta1.LastOperationStateSucceeded:
	case gardencorev1beta1.LastOperationStateFailed, gardencorev1beta1.LastOperationStateError, gardencorev1beta1.LastOperationStateAborted:
		return Health{Failed, fmt.Sprintf("last operation %s %s: %s", op.Type, op.State, op.Description)}
	default:
		return Health{Progressing, fmt.Sprintf("last operation %s %s (%d%%): %s", op.Type, op.State, op.Progress, op.Description)}
	}

	if s.Status.IsHibernated {
		return Health{Ready, "hibernated"}
	}
	if pending := shoot.PendingInPlace(s); len(pending) > 0 {
		return Health{Progressing, "in-place update pending for pools " + strings.Join(pending, ", ")}
	}

	workerless := len(s.Spec.Provider.Workers) == 0
	for _, ct := range []gardencorev1beta1.ConditionType{condAPIServerAvailable, condControlPlaneHealthy, condEveryNodeReady, condSystemComponentsHealthy} {
		c := shoot.Condition(s, ct)
		if c == nil {
			if workerless && (ct == condEveryNodeReady || ct == condSystemComponentsHealthy) {
				continue
			}
			return Health{Progressing, fmt.Sprintf("condition %s not reported yet", ct)}
		}
		if c.Status != gardencorev1beta1.ConditionTrue {
			return Health{Progressing, fmt.Sprintf("condition %s is %s: %s", ct, c.Status, c.Message)}
		}
	}
	return Health{Ready, fmt.Sprintf("last operation %s Succeeded", op.Type)}
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
