package reconciler

import "github.com/fluxcd/pkg/apis/meta"

// Reasons of the Fleet's Ready, Reconciling and Stalled conditions, one per
// phase that can fail, and the reasons its Events carry.
const (
	// FetchFailedReason: the repository could not be fetched or verified;
	// the last applied revision stays in force and the fetch is retried with
	// backoff.
	FetchFailedReason = "FetchFailed"
	// BuildFailedReason: the fleet at the fetched revision does not load or
	// render. Nothing of it is applied; the message lists file:line:col of
	// every issue. Not retried until the revision or the spec changes.
	BuildFailedReason = meta.BuildFailedReason
	// PlanRejectedReason: no upgrade plan reaches some shoot's target. That
	// shoot is Stalled and keeps its versions; the rest goes on.
	PlanRejectedReason = "PlanRejected"
	// ApplyFailedReason: the API server refused an object.
	ApplyFailedReason = "ApplyFailed"
	// PruneFailedReason: deleting stale objects failed; the survivors stay
	// in the inventory.
	PruneFailedReason = meta.PruneFailedReason
	// PruneRefusedReason: the deletion guard refused the prune; nothing was
	// deleted.
	PruneRefusedReason = "PruneRefused"
	// HealthCheckFailedReason: a shoot's operation failed or a step timed
	// out; that shoot is Stalled.
	HealthCheckFailedReason = meta.HealthCheckFailedReason
	// SucceededReason: the revision is applied and every shoot is at its
	// target or held while hibernated.
	SucceededReason = meta.ReconciliationSucceededReason
	// ProgressingReason: the revision is applied and shoots are on their way.
	ProgressingReason = meta.ProgressingReason
	// ProgressingWithRetryReason: a transient failure; retried with backoff.
	ProgressingWithRetryReason = meta.ProgressingWithRetryReason
	// SuspendedReason: spec.suspend is set.
	SuspendedReason = meta.SuspendedReason
	// InvalidSpecReason: the Fleet's spec or its Secrets cannot be used.
	InvalidSpecReason = "InvalidSpec"
)

// Reasons of one shoot's upgrade state (ShootStatus.Reason).
const (
	StepAppliedReason         = "StepApplied"
	StepInProgressReason      = "StepInProgress"
	StepFailedReason          = "StepFailed"
	StepTimedOutReason        = "StepTimedOut"
	OperationFailedReason     = "OperationFailed"
	OperationInProgressReason = "OperationInProgress"
	HibernatedReason          = "Hibernated"
	DependencyNotReadyReason  = meta.DependencyNotReadyReason
	WaveNotDoneReason         = "WaveNotDone"
	WaveBakingReason          = "WaveBaking"
	MaxParallelReason         = "MaxParallel"
	// MaintenanceWindowReason: a step applied to a shoot that confines spec
	// rollouts waits for its maintenance window.
	MaintenanceWindowReason = "WaitingForMaintenanceWindow"
	// WindowClosedReason: the shoot's rollout window is "maintenance" and
	// its next step waits for the window to open.
	WindowClosedReason = "MaintenanceWindowClosed"
)

// Event reasons besides the failure reasons above.
const (
	AppliedEventReason = "Applied"
	PrunedEventReason  = "Pruned"
	UpgradeEventReason = "UpgradeStep"
)
