package reconciler

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/render"
)

// OnceOptions configures RunOnce: the parts of a Fleet's spec that make
// sense for one pass.
type OnceOptions struct {
	// URL, Ref and Path select the fleet as in a Fleet's spec.
	URL  string
	Ref  v1alpha1.GitRef
	Path string
	// Prune deletes objects the owner applied before and the fleet no longer
	// has, within DeletionGuard; Shoots only with ConfirmShootDeletion.
	Prune                bool
	DeletionGuard        v1alpha1.DeletionGuard
	ConfirmShootDeletion bool
	// Owner is the Fleet the objects are labelled as applied by; a Fleet
	// object of that name and a later RunOnce take them over from each other.
	Owner clusters.Owner
	// CacheDir holds the Git clone; a temporary directory, removed after the
	// pass, when empty.
	CacheDir string
	// Timeout bounds each of fetch, apply and prune.
	Timeout time.Duration
	// Apply tunes server-side apply.
	Apply clusters.ApplyOptions
	// Eval bounds the evaluation of the fleet, as Options.Eval.
	Eval bounded.Limits
}

// DefaultOnceOptions returns options for a pass owned by the Fleet
// gardenfleet-system/gardenfleet.
func DefaultOnceOptions() OnceOptions {
	return OnceOptions{
		Owner:   clusters.Owner{Namespace: "gardenfleet-system", Name: "gardenfleet"},
		Timeout: 5 * time.Minute,
		Apply:   clusters.DefaultApplyOptions(),
		Eval:    bounded.DefaultLimits(),
	}
}

// OnceResult is what one pass did.
type OnceResult struct {
	// Revision is the revision fetched.
	Revision string
	// Applied and Pruned are the change sets of apply and prune; nil when
	// the pass did not get there.
	Applied *clusters.ChangeSet
	Pruned  *clusters.ChangeSet
	// Shoots is each shoot's upgrade state after the pass.
	Shoots []v1alpha1.ShootStatus
	// Ready is the Ready condition a Fleet would have after the pass.
	Ready metav1.Condition
}

// RunOnce runs one pass of the reconciler's phases (fetch, build, plan,
// apply, prune) without a Fleet object: a gated upgrade moves at most one step
// per pass and per shoot, and only when Gardener confirmed the previous one.
// Without a Fleet's status the last inventory is what the cluster holds with
// the owner's labels, of the kinds the fleet renders.
//
// The error is the pass's failure, if any; the result says as much as the
// pass got to, and its Ready condition is False when a shoot stalled.
func RunOnce(ctx context.Context, c client.Client, opts OnceOptions) (*OnceResult, error) {
	if opts.CacheDir == "" {
		dir, err := os.MkdirTemp("", "gardenfleet-once-")
		if err != nil {
			return nil, fmt.Errorf("create cache directory: %w", err)
		}
		defer os.RemoveAll(dir)
		opts.CacheDir = dir
	}
	if opts.Apply == (clusters.ApplyOptions{}) {
		opts.Apply = clusters.DefaultApplyOptions()
	}
	f := &v1alpha1.Fleet{
		ObjectMeta: metav1.ObjectMeta{Namespace: opts.Owner.Namespace, Name: opts.Owner.Name},
		Spec: v1alpha1.FleetSpec{
			URL:                  opts.URL,
			Path:                 opts.Path,
			Prune:                opts.Prune,
			DeletionGuard:        opts.DeletionGuard.DeepCopy(),
			ConfirmShootDeletion: opts.ConfirmShootDeletion,
		},
	}
	if opts.Ref != (v1alpha1.GitRef{}) {
		f.Spec.Ref = opts.Ref.DeepCopy()
	}
	if opts.Timeout > 0 {
		f.Spec.Timeout = &metav1.Duration{Duration: opts.Timeout}
	}
	e := &engine{client: c, reader: c, opts: Options{CacheDir: opts.CacheDir, Apply: opts.Apply, Clock: DefaultOptions().Clock, Eval: opts.Eval}}
	sc := e.newScope(ctx, f)

	res := &OnceResult{}
	err := e.once(ctx, sc)
	res.Revision, res.Applied, res.Pruned = sc.artifact.Revision, sc.applied, sc.pruned
	if sc.applied != nil {
		for _, it := range sc.shoots {
			res.Shoots = append(res.Shoots, it.status)
		}
	}
	setConditions(sc, err)
	if c := conditions.Get(f, meta.ReadyCondition); c != nil {
		res.Ready = *c
	}
	return res, err
}

// once runs the phases after reading the last inventory from the cluster.
func (e *engine) once(ctx context.Context, sc *scope) error {
	if err := e.fetch(ctx, sc); err != nil {
		return err
	}
	if err := e.buildFleet(ctx, sc); err != nil {
		return err
	}
	if sc.fleet.Spec.Prune {
		inv, err := e.ownedInventory(ctx, sc)
		if err != nil {
			return transient(ReadFailedReason, err)
		}
		sc.prev.Inventory = toStatusInventory(inv)
	}
	if err := e.plan(ctx, sc); err != nil {
		return err
	}
	if err := e.apply(ctx, sc); err != nil {
		return err
	}
	if err := e.prune(ctx, sc); err != nil {
		return err
	}
	e.health(sc)
	e.record(sc)
	return nil
}

// ownedInventory lists the objects carrying the owner's labels, of the kinds
// the fleet renders and of the kinds every fleet may have rendered before.
func (e *engine) ownedInventory(ctx context.Context, sc *scope) (inventory.Inventory, error) {
	kinds := map[schema.GroupVersionKind]bool{
		{Version: "v1", Kind: "Namespace"}:                                         true,
		{Group: clusters.ShootGroup, Version: "v1beta1", Kind: "Project"}:          true,
		{Group: clusters.ShootGroup, Version: "v1beta1", Kind: clusters.ShootKind}: true,
	}
	if gv, err := schema.ParseGroupVersion(render.ClabernetesAPIVersion); err == nil {
		kinds[gv.WithKind("Topology")] = true
	}
	for _, o := range sc.build.objects {
		kinds[o.GroupVersionKind()] = true
	}
	var refs []inventory.Ref
	for gvk := range kinds {
		err := sc.manager.ListOwned(ctx, gvk, func(u *unstructured.Unstructured) {
			refs = append(refs, inventory.RefOf(u))
		})
		if apimeta.IsNoMatchError(err) {
			continue // a kind the cluster does not serve holds nothing
		}
		if err != nil {
			return inventory.Inventory{}, fmt.Errorf("list %s: %w", gvk.Kind, err)
		}
	}
	return inventory.FromRefs(refs...), nil
}
