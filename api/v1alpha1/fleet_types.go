package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FleetKind is the kind of the Fleet resource.
const FleetKind = "Fleet"

// Defaults the API server fills in (see the +kubebuilder:default markers) and
// the reconciler assumes when a field is absent, e.g. on objects created before
// the CRD had the default.
const (
	DefaultInterval        = "1m"
	DefaultTimeout         = "5m"
	DefaultStepTimeout     = "2h"
	DefaultMaxShootPercent = 10
)

// FleetSpec points at one fleet repository and says how to apply it.
// +kubebuilder:validation:XValidation:rule="!has(self.ref) || [has(self.ref.branch), has(self.ref.tag), has(self.ref.semver), has(self.ref.commit)].filter(x, x).size() <= 1",message="at most one of ref.branch, ref.tag, ref.semver and ref.commit may be set"
type FleetSpec struct {
	// URL of the Git repository: https://, http://, ssh://, user@host:path,
	// git:// or file://.
	// +kubebuilder:validation:MinLength=1
	URL string `json:"url"`

	// Ref is what to follow; the branch main when empty.
	// +optional
	Ref *GitRef `json:"ref,omitempty"`

	// Path is the fleet directory inside the repository; the root when empty.
	// +optional
	Path string `json:"path,omitempty"`

	// Interval is how often the repository is fetched and the fleet applied
	// again, which corrects drift.
	// +kubebuilder:default="1m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Timeout bounds each of a pass's fetch, apply and prune.
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// StepTimeout is how long one upgrade step of a shoot may take before the
	// shoot is Stalled.
	// +kubebuilder:default="2h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	StepTimeout *metav1.Duration `json:"stepTimeout,omitempty"`

	// SecretRef names a Secret in the Fleet's namespace with the Git
	// credentials: username and password (or a token as password), or
	// bearerToken, for https; identity (a PEM private key), optionally
	// password for its passphrase, and known_hosts for ssh; ca.crt for https
	// with a private CA.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`

	// Verify makes the commit's OpenPGP signature a condition for applying it.
	// +optional
	Verify *Verification `json:"verify,omitempty"`

	// Prune deletes objects that were applied from the repository and are
	// gone from it, within the DeletionGuard.
	// +optional
	Prune bool `json:"prune,omitempty"`

	// Suspend stops reconciling; what is applied stays as it is.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// ShootSelector picks the Shoots this Fleet applies by their labels, so a
	// big fleet can be split across Fleet objects and replicas. With a
	// selector the Fleet applies only the selected Shoots; everything else
	// (Projects, Namespaces, Topologies) is left to a Fleet without one.
	// +optional
	ShootSelector *metav1.LabelSelector `json:"shootSelector,omitempty"`

	// DeletionGuard bounds what one prune may delete.
	// +optional
	DeletionGuard *DeletionGuard `json:"deletionGuard,omitempty"`

	// ConfirmShootDeletion sets Gardener's deletion confirmation annotation on
	// Shoots that are pruned. Without it a pruned Shoot is left in place (and
	// in the inventory) until someone confirms its deletion by hand.
	// +optional
	ConfirmShootDeletion bool `json:"confirmShootDeletion,omitempty"`

	// FeatureGates are gardener-apiserver's feature gates (InPlaceNodeUpdates,
	// ...) with which a revision's Shoots are checked by Gardener's own code
	// before it is applied; gates left out keep Gardener's defaults.
	// +optional
	FeatureGates map[string]bool `json:"featureGates,omitempty"`
}

// GitRef selects the commit to apply. At most one field may be set.
type GitRef struct {
	// Branch to follow.
	// +optional
	Branch string `json:"branch,omitempty"`
	// Tag to check out.
	// +optional
	Tag string `json:"tag,omitempty"`
	// SemVer is a constraint; the newest matching tag is checked out.
	// +optional
	SemVer string `json:"semver,omitempty"`
	// Commit pins a full 40 character SHA-1.
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{40}$`
	// +optional
	Commit string `json:"commit,omitempty"`
}

// LocalObjectReference names an object in the Fleet's namespace.
type LocalObjectReference struct {
	// Name of the object.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// Verification configures OpenPGP verification of commits.
type Verification struct {
	// SecretRef names a Secret whose every value is an armored OpenPGP public
	// key; the commit must be signed by one of them.
	SecretRef LocalObjectReference `json:"secretRef"`
}

// DeletionGuard bounds what one prune may delete, so that a broken or emptied
// commit never deletes a fleet.
type DeletionGuard struct {
	// MaxShootPercent is the largest share, in percent, of the applied Shoots
	// one prune may delete (at least one is always allowed when
	// AllowShootDeletion). An integer, as Kubernetes API conventions ask.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	MaxShootPercent *int32 `json:"maxShootPercent,omitempty"`

	// AllowShootDeletion must be set for any Shoot to be pruned.
	// +optional
	AllowShootDeletion bool `json:"allowShootDeletion,omitempty"`
}

// ShootPhase is where one shoot stands on the way to the versions Git asks for.
// +kubebuilder:validation:Enum=UpToDate;Upgrading;Waiting;Held;Stalled
type ShootPhase string

// Shoot phases.
const (
	// ShootUpToDate: the shoot runs the versions Git asks for.
	ShootUpToDate ShootPhase = "UpToDate"
	// ShootUpgrading: a step was applied and Gardener is carrying it out, or
	// the next one is about to be applied.
	ShootUpgrading ShootPhase = "Upgrading"
	// ShootWaiting: steps are left, and a gate holds them: an operation in
	// progress, a dependency, an earlier wave, its bake time, maxParallel.
	ShootWaiting ShootPhase = "Waiting"
	// ShootHeld: steps are left and the shoot is hibernated; they wait until
	// it wakes (rollout.whileHibernated: hold).
	ShootHeld ShootPhase = "Held"
	// ShootStalled: a step failed or timed out, or no plan reaches the target;
	// nothing more is applied to its versions until that changes.
	ShootStalled ShootPhase = "Stalled"
)

// ShootStatus is one shoot's upgrade state.
type ShootStatus struct {
	// Name and Namespace of the Shoot.
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Phase of its upgrade.
	Phase ShootPhase `json:"phase"`
	// Reason is a CamelCase reason for Stalled, Waiting and Held.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message explains the phase.
	// +optional
	Message string `json:"message,omitempty"`
	// ControlPlane is the live control plane version.
	// +optional
	ControlPlane string `json:"controlPlane,omitempty"`
	// Pools are the live pool versions by pool name.
	// +optional
	Pools map[string]string `json:"pools,omitempty"`
	// Target is the state the plan ends at, e.g. "control plane 1.37.1, pool a 1.37.1".
	// +optional
	Target string `json:"target,omitempty"`
	// CurrentStep counts the steps of the plan to Target applied so far.
	// +optional
	CurrentStep int32 `json:"currentStep,omitempty"`
	// StepsLeft counts the steps not applied yet.
	// +optional
	StepsLeft int32 `json:"stepsLeft,omitempty"`
	// StepStartedAt is when the current step was applied.
	// +optional
	StepStartedAt *metav1.Time `json:"stepStartedAt,omitempty"`
	// Wave is the upgrade wave the shoot joins; empty for none.
	// +optional
	Wave string `json:"wave,omitempty"`
	// Hibernated is true when the live Shoot is, or is about to be,
	// hibernated.
	// +optional
	Hibernated bool `json:"hibernated,omitempty"`
	// LastOperation is Gardener's last operation on the live Shoot.
	// +optional
	LastOperation *LastOperation `json:"lastOperation,omitempty"`
}

// LastOperation is the type and state of Gardener's last operation on a
// Shoot (status.lastOperation).
type LastOperation struct {
	// Type is Gardener's operation type: Create, Reconcile, Restore, Migrate
	// or Delete.
	Type string `json:"type"`
	// State is Gardener's operation state: Processing, Succeeded, Error,
	// Failed, Pending or Aborted.
	State string `json:"state"`
}

// ShootCounts counts shoots by phase.
type ShootCounts struct {
	// Total counts every shoot.
	Total int32 `json:"total"`
	// UpToDate, Upgrading, Waiting, Held and Stalled count the shoots in
	// that phase.
	// +optional
	UpToDate int32 `json:"upToDate,omitempty"`
	// +optional
	Upgrading int32 `json:"upgrading,omitempty"`
	// +optional
	Waiting int32 `json:"waiting,omitempty"`
	// +optional
	Held int32 `json:"held,omitempty"`
	// +optional
	Stalled int32 `json:"stalled,omitempty"`
}

// Add counts one shoot in phase p.
func (in *ShootCounts) Add(p ShootPhase) {
	in.Total++
	switch p {
	case ShootUpToDate:
		in.UpToDate++
	case ShootUpgrading:
		in.Upgrading++
	case ShootWaiting:
		in.Waiting++
	case ShootHeld:
		in.Held++
	case ShootStalled:
		in.Stalled++
	}
}

// Of returns the count of phase p.
func (in *ShootCounts) Of(p ShootPhase) int32 {
	switch p {
	case ShootUpToDate:
		return in.UpToDate
	case ShootUpgrading:
		return in.Upgrading
	case ShootWaiting:
		return in.Waiting
	case ShootHeld:
		return in.Held
	case ShootStalled:
		return in.Stalled
	}
	return 0
}

// WavePhase is where an upgrade wave stands.
// +kubebuilder:validation:Enum=Pending;Upgrading;Done
type WavePhase string

// Wave phases.
const (
	// WavePending: shoots of the wave have steps left and an earlier wave
	// holds them.
	WavePending WavePhase = "Pending"
	// WaveUpgrading: the wave's shoots are on their way.
	WaveUpgrading WavePhase = "Upgrading"
	// WaveDone: every shoot of the wave is at its target and healthy.
	WaveDone WavePhase = "Done"
)

// WaveStatus is one upgrade wave's state.
type WaveStatus struct {
	// Name of the wave; the empty name is the shoots that join no wave.
	Name string `json:"name"`
	// Phase of the wave.
	Phase WavePhase `json:"phase"`
	// CompletedAt is when the wave was last seen finishing an upgrade; the
	// next wave starts bakeTime later. Unset for a wave that had nothing to
	// upgrade: it does not bake.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
	// BakeUntil is when the wave's bake time after CompletedAt ends and the
	// next wave may start; unset when it does not bake.
	// +optional
	BakeUntil *metav1.Time `json:"bakeUntil,omitempty"`
	// Shoots counts the wave's shoots by phase.
	// +optional
	Shoots *ShootCounts `json:"shoots,omitempty"`
}

// ResourceRef is one applied object in the inventory, in the form of Flux's
// ResourceInventory. Fleets written before InventoryTypes are read in this
// form; it is no longer written.
type ResourceRef struct {
	// ID is "<namespace>_<name>_<group>_<kind>", the namespace empty for
	// cluster-scoped objects.
	ID string `json:"id"`
	// Version is the API version the object was applied with.
	Version string `json:"v"`
}

// InventoryType is the applied objects of one API group, version and kind.
type InventoryType struct {
	// Group is the API group; empty for the core group.
	// +optional
	Group string `json:"group,omitempty"`
	// Version is the API version the objects were applied with.
	Version string `json:"version"`
	// Kind of the objects.
	Kind string `json:"kind"`
	// Namespaces hold the objects' names by namespace, sorted; the empty
	// namespace is that of cluster-scoped objects.
	Namespaces []InventoryNamespace `json:"namespaces"`
}

// InventoryNamespace is the names of the applied objects of one type in one
// namespace.
type InventoryNamespace struct {
	// Namespace of the objects; empty for cluster-scoped ones.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Names of the objects, sorted.
	Names []string `json:"names"`
}

// ResourceInventory lists the objects a Fleet applied. Each object's type
// and namespace are written once for all its names, not once per object as
// in Flux's inventory: 10,000 Shoots take about a fifth of the room.
type ResourceInventory struct {
	// Types are sorted by group, version and kind.
	// +optional
	Types []InventoryType `json:"types,omitempty"`
	// Entries is the inventory as Fleets written before Types hold it,
	// sorted by ID; read, never written.
	// +optional
	Entries []ResourceRef `json:"entries,omitempty"`
}

// Len counts the objects of the inventory.
func (in *ResourceInventory) Len() int {
	if in == nil {
		return 0
	}
	n := len(in.Entries)
	for _, t := range in.Types {
		for _, ns := range t.Namespaces {
			n += len(ns.Names)
		}
	}
	return n
}

// FleetStatus reports what the reconciler applied and where each shoot stands.
type FleetStatus struct {
	// ObservedGeneration is the spec generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling and Stalled.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// LastAppliedRevision is the revision last applied in full.
	// +optional
	LastAppliedRevision string `json:"lastAppliedRevision,omitempty"`

	// LastAttemptedRevision is the revision last fetched and tried.
	// +optional
	LastAttemptedRevision string `json:"lastAttemptedRevision,omitempty"`

	// LastHandledReconcileAt is the value of the reconcile.fluxcd.io/requestedAt
	// annotation last acted on.
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`

	// Inventory lists the applied objects, the ones a prune may delete.
	// +optional
	Inventory *ResourceInventory `json:"inventory,omitempty"`

	// ShootCounts counts the shoots by phase.
	// +optional
	ShootCounts *ShootCounts `json:"shootCounts,omitempty"`

	// Shoots is the shoots' upgrade state, sorted by namespace and name:
	// every shoot in a fleet of at most MaxListedShoots, else the shoots not
	// up to date, at most MaxListedShoots of them, stalled ones first, then
	// those with a step on its way; ShootsNotListed counts the rest. Every
	// shoot's state is served by the dashboard's JSON endpoint
	// (/api/fleets/NAMESPACE/NAME/shoots).
	// +optional
	Shoots []ShootStatus `json:"shoots,omitempty"`

	// ShootsNotListed counts the shoots not up to date that Shoots leaves
	// out.
	// +optional
	ShootsNotListed int32 `json:"shootsNotListed,omitempty"`

	// ShootsUpToDate counts the shoots in phase UpToDate, as
	// ShootCounts.UpToDate does.
	// +optional
	ShootsUpToDate int32 `json:"shootsUpToDate,omitempty"`

	// Waves is each upgrade wave's state, in the fleet's order.
	// +optional
	Waves []WaveStatus `json:"waves,omitempty"`

	// ShootsFacingForcedUpdate counts the shoots that run a Kubernetes or
	// machine image version expiring within ForcedUpdateHorizon by their
	// CloudProfile: Gardener's maintenance then force-updates it, even with
	// auto-update off. `gardenfleet plan --forecast 30d` lists them.
	// +optional
	ShootsFacingForcedUpdate int32 `json:"shootsFacingForcedUpdate,omitempty"`
}

// ForcedUpdateHorizon is how far ahead ShootsFacingForcedUpdate looks.
const ForcedUpdateHorizon = 30 * 24 * time.Hour

// MaxListedShoots bounds FleetStatus.Shoots, which keeps the Fleet well under
// etcd's request size limit (1.5 MiB by default) at any number of shoots.
const MaxListedShoots = 100

// Fleet applies the fleet repository at a Git URL to the garden cluster and
// keeps it applied, moving each shoot's Kubernetes versions in steps the
// version-skew rules allow.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"
// +kubebuilder:printcolumn:name="Revision",type="string",JSONPath=".status.lastAppliedRevision",priority=1
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type Fleet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   FleetSpec   `json:"spec,omitempty"`
	Status FleetStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions; with SetConditions it lets
// github.com/fluxcd/pkg/runtime/conditions work on a Fleet.
func (in *Fleet) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *Fleet) SetConditions(conditions []metav1.Condition) { in.Status.Conditions = conditions }

// GetInterval returns the fetch interval, DefaultInterval when unset.
func (in *Fleet) GetInterval() metav1.Duration {
	return durationOr(in.Spec.Interval, DefaultInterval)
}

// GetTimeout returns the timeout of a pass's operations, DefaultTimeout when unset.
func (in *Fleet) GetTimeout() metav1.Duration { return durationOr(in.Spec.Timeout, DefaultTimeout) }

// GetStepTimeout returns the timeout of one upgrade step, DefaultStepTimeout when unset.
func (in *Fleet) GetStepTimeout() metav1.Duration {
	return durationOr(in.Spec.StepTimeout, DefaultStepTimeout)
}

// GetMaxShootPercent returns the deletion guard's share in percent, DefaultMaxShootPercent when unset.
func (in *Fleet) GetMaxShootPercent() int32 {
	if g := in.Spec.DeletionGuard; g != nil && g.MaxShootPercent != nil {
		return *g.MaxShootPercent
	}
	return DefaultMaxShootPercent
}

func durationOr(d *metav1.Duration, def string) metav1.Duration {
	if d != nil && d.Duration > 0 {
		return *d
	}
	var out metav1.Duration
	// The defaults are constants that parse.
	_ = out.UnmarshalJSON([]byte(`"` + def + `"`))
	return out
}

// FleetList is a list of Fleets.
// +kubebuilder:object:root=true
type FleetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Fleet `json:"items"`
}
