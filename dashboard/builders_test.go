package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

var t0 = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

func testScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// midUpgrade is a Fleet in namespace ns mid-rollout: one shoot of each phase
// but UpToDate listed, and upToDate more only counted (all in wave canary,
// which bakes until 30 minutes after t0).
func midUpgrade(ns, name string, upToDate int32) *v1alpha1.Fleet {
	at, bake := metav1.NewTime(t0), metav1.NewTime(t0.Add(30*time.Minute))
	return &v1alpha1.Fleet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.FleetSpec{
			// A token in the URL, Secrets by name: none of it may be shown.
			URL:       "https://x-access-token:ghp_SECRETTOKEN@git.example/fleet.git",
			Ref:       &v1alpha1.GitRef{Tag: "v2"},
			Path:      "prod",
			SecretRef: &v1alpha1.LocalObjectReference{Name: "git-credentials-secret"},
			Verify:    &v1alpha1.Verification{SecretRef: v1alpha1.LocalObjectReference{Name: "pgp-keys-secret"}},
		},
		Status: v1alpha1.FleetStatus{
			LastAppliedRevision:   "v2@sha1:aaaa",
			LastAttemptedRevision: "v3@sha1:bbbb",
			Conditions: []metav1.Condition{{
				Type: meta.ReadyCondition, Status: metav1.ConditionFalse, Reason: meta.BuildFailedReason,
				Message: "load fleet: shoots.prod.kubernetes: conflicting values: prod/shoots.cue:12:5", LastTransitionTime: at,
			}},
			Inventory: &v1alpha1.ResourceInventory{Types: []v1alpha1.InventoryType{
				{Group: "clabernetes.containerlab.dev", Version: "v1alpha1", Kind: "Topology",
					Namespaces: []v1alpha1.InventoryNamespace{{Namespace: "labs", Names: []string{"dc1"}}}},
				{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot",
					Namespaces: []v1alpha1.InventoryNamespace{{Namespace: "garden-a", Names: []string{"s1"}}}},
			}},
			ShootCounts: &v1alpha1.ShootCounts{Total: 4 + upToDate, UpToDate: upToDate, Upgrading: 1, Waiting: 1, Held: 1, Stalled: 1},
			Shoots: []v1alpha1.ShootStatus{
				{Name: "s1", Namespace: "garden-a", Phase: v1alpha1.ShootUpgrading, Reason: "StepApplied",
					Message: "step 1/2: step in progress: Reconcile Processing 40%", ControlPlane: "1.34.8",
					Pools: map[string]string{"a": "1.34.8"}, Target: "control plane 1.35.6, pool a 1.35.6",
					CurrentStep: 1, StepsLeft: 1, StepStartedAt: &at, Wave: "prod",
					LastOperation: &v1alpha1.LastOperation{Type: "Reconcile", State: "Processing"}},
				{Name: "s2", Namespace: "garden-a", Phase: v1alpha1.ShootStalled, Reason: "StepTimedOut",
					Message: "step not done 2h0m0s after it was applied: Reconcile Error", ControlPlane: "1.34.8", Wave: "prod",
					LastOperation: &v1alpha1.LastOperation{Type: "Reconcile", State: "Error"}},
				{Name: "s3", Namespace: "garden-b", Phase: v1alpha1.ShootHeld, Reason: "Hibernated",
					Message: "hibernated: 2 steps held until it wakes", ControlPlane: "1.33.4", StepsLeft: 2, Hibernated: true},
				{Name: "s4", Namespace: "garden-b", Phase: v1alpha1.ShootWaiting, Reason: "WaveNotReady", ControlPlane: "1.33.4", StepsLeft: 2},
			},
			ShootsUpToDate: upToDate,
			Waves: []v1alpha1.WaveStatus{
				{Name: "canary", Phase: v1alpha1.WaveDone, CompletedAt: &at, BakeUntil: &bake,
					Shoots: &v1alpha1.ShootCounts{Total: upToDate, UpToDate: upToDate}},
				{Name: "prod", Phase: v1alpha1.WaveUpgrading, Shoots: &v1alpha1.ShootCounts{Total: 2, Upgrading: 1, Stalled: 1}},
				{Name: "", Phase: v1alpha1.WavePending, Shoots: &v1alpha1.ShootCounts{Total: 2, Waiting: 1, Held: 1}},
			},
		},
	}
}

// manyShoots is a Fleet of n shoots in 20 projects, every fourth Stalled
// (all of project p04 among them), every one listed.
func manyShoots(n int) *v1alpha1.Fleet {
	f := midUpgrade("fleets", "big", 0)
	f.Status.Shoots = allShoots(n)
	f.Status.ShootCounts = &v1alpha1.ShootCounts{Total: int32(n), Stalled: int32((n + 3) / 4), Upgrading: int32(n - (n+3)/4)}
	return f
}

// allShoots is n shoots in 20 projects, every fourth Stalled (all of
// project p04 among them), every tenth in wave canary.
func allShoots(n int) []v1alpha1.ShootStatus {
	shoots := make([]v1alpha1.ShootStatus, n)
	at := metav1.NewTime(t0)
	for i := range shoots {
		s := v1alpha1.ShootStatus{Name: fmt.Sprintf("shoot-%05d", i), Namespace: fmt.Sprintf("garden-p%02d", i%20),
			Phase: v1alpha1.ShootUpgrading, Reason: "StepInProgress", Message: "step 1/3: step in progress: Reconcile Processing 40%",
			ControlPlane: "1.34.8", Pools: map[string]string{"a": "1.34.8", "b": "1.34.8"},
			Target: "control plane 1.36.4, pool a 1.36.4, pool b 1.36.4", CurrentStep: 1, StepsLeft: 2, StepStartedAt: &at}
		if i%4 == 0 {
			s.Phase, s.Reason, s.Message = v1alpha1.ShootStalled, "StepTimedOut", "step not done 2h0m0s after it was applied"
		}
		if i%10 == 0 {
			s.Wave = "canary"
		}
		shoots[i] = s
	}
	slices.SortFunc(shoots, func(a, b v1alpha1.ShootStatus) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return shoots
}

// view is a ShootSource knowing one Fleet's shoots.
type view struct {
	key    types.NamespacedName
	shoots []v1alpha1.ShootStatus
}

func (v view) Shoots(key types.NamespacedName) ([]v1alpha1.ShootStatus, bool) {
	if key != v.key {
		return nil, false
	}
	return v.shoots, true
}

// topology is a lab as render writes it: a clabernetes Topology carrying a
// containerlab file, here with an environment value that must stay hidden.
func topology(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("clabernetes.containerlab.dev/v1alpha1")
	u.SetKind("Topology")
	u.SetNamespace(ns)
	u.SetName(name)
	u.Object["spec"] = map[string]any{"definition": map[string]any{"containerlab": `name: dc1
topology:
  kinds:
    nokia_srlinux: {image: ghcr.io/nokia/srlinux}
  nodes:
    leaf1: {kind: nokia_srlinux, env: {PASSWORD: hunter2-SECRET}}
    leaf2: {kind: nokia_srlinux}
    spine1: {kind: nokia_srlinux}
  links:
    - endpoints: ["leaf1:e1-1", "spine1:e1-1"]
    - endpoints: ["leaf2:e1-1", "spine1:e1-2"]
`}}
	return u
}
