package base

import (
	"context"
	"fmt"
	"slices"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
	"github.com/gardenfleet/gardenfleet/reconciler/preview"
)

// ownedKinds are listed by ownership label to find objects the fleet no
// longer renders; kinds an overlay adds are listed too.
var ownedKinds = []schema.GroupVersionKind{
	{Version: "v1", Kind: "Namespace"},
	{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Project"},
	{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot"},
	{Group: "clabernetes.containerlab.dev", Version: "v1alpha1", Kind: "Topology"},
}

// ClusterOptions configure FromCluster.
type ClusterOptions struct {
	// Owner limits the objects looked at for removal to those one Fleet
	// object applied; nil takes every object carrying gardenfleet's
	// ownership labels.
	Owner *clusters.Owner
	// Now classifies the versions of the cloud profiles.
	Now time.Time
}

// Cluster is the live side of a plan.
type Cluster struct {
	// Objects are the live objects: those desired names that exist, and
	// those the fleet owns that desired no longer names.
	Objects []*unstructured.Unstructured
	// Desired are the desired objects as they would be applied: a Shoot
	// keeps the versions Gardener raised (clusters.PreserveGardenerOwned).
	Desired []*unstructured.Unstructured
	// Catalogs are the versions of the cloud profiles the shoots use, by
	// preview.CatalogKey.
	Catalogs map[string]*planner.Catalog
	// Profiles are the same profiles' specs, for plan --forecast.
	Profiles map[string]*gardencorev1beta1.CloudProfileSpec
	// Notes report kinds the cluster does not serve, profiles it lacks and
	// fields left to Gardener.
	Notes []string
}

// FromCluster reads the live counterparts of desired through c, the
// objects the fleet owns that desired no longer names, and the cloud
// profiles of desired's shoots. It lists each kind once per namespace
// rather than getting objects one by one.
func FromCluster(ctx context.Context, c client.Client, desired []*unstructured.Unstructured, opts ClusterOptions) (*Cluster, error) {
	out := &Cluster{Catalogs: map[string]*planner.Catalog{}, Profiles: map[string]*gardencorev1beta1.CloudProfileSpec{}}
	type scope struct {
		gvk       schema.GroupVersionKind
		namespace string
	}
	var scopes []scope
	seenScope := map[scope]bool{}
	gvks := slices.Clone(ownedKinds)
	for _, u := range desired {
		s := scope{u.GroupVersionKind(), u.GetNamespace()}
		if !seenScope[s] {
			seenScope[s] = true
			scopes = append(scopes, s)
		}
		if !slices.Contains(gvks, s.gvk) {
			gvks = append(gvks, s.gvk)
		}
	}

	live := map[string]*unstructured.Unstructured{}
	unserved := map[schema.GroupVersionKind]bool{}
	for _, s := range scopes {
		err := clusters.ListPages(ctx, c, s.gvk, func(u *unstructured.Unstructured) {
			live[key(u)] = u
		}, client.InNamespace(s.namespace))
		if meta.IsNoMatchError(err) {
			unserved[s.gvk] = true
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read live %s in %q: %w", s.gvk.Kind, s.namespace, err)
		}
	}
	for gvk := range unserved {
		out.Notes = append(out.Notes, fmt.Sprintf("the cluster does not serve %s %s: its objects are all new", gvk.GroupVersion(), gvk.Kind))
	}
	slices.Sort(out.Notes)

	var selector client.ListOption = client.HasLabels{clusters.LabelName}
	if opts.Owner != nil {
		selector = client.MatchingLabels{clusters.LabelName: opts.Owner.Name, clusters.LabelNamespace: opts.Owner.Namespace}
	}
	desiredKeys := make(map[string]bool, len(desired))
	for _, u := range desired {
		desiredKeys[key(u)] = true
	}
	var removed []*unstructured.Unstructured
	for _, gvk := range gvks {
		if unserved[gvk] {
			continue
		}
		err := clusters.ListPages(ctx, c, gvk, func(u *unstructured.Unstructured) {
			if !desiredKeys[key(u)] {
				removed = append(removed, u)
			}
		}, selector)
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list live %s owned by gardenfleet: %w", gvk.Kind, err)
		}
	}

	for _, d := range desired {
		l, ok := live[key(d)]
		if !ok {
			out.Desired = append(out.Desired, d)
			continue
		}
		adjusted, notes := clusters.PreserveGardenerOwned(d, l)
		out.Desired = append(out.Desired, adjusted)
		out.Objects = append(out.Objects, l)
		for _, n := range notes {
			out.Notes = append(out.Notes, n.String())
		}
	}
	out.Objects = append(out.Objects, removed...)

	notes, err := readCatalogs(ctx, c, desired, opts.Now, out)
	if err != nil {
		return nil, err
	}
	out.Notes = append(out.Notes, notes...)
	return out, nil
}

func key(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	return gvk.Group + "/" + gvk.Kind + "/" + u.GetNamespace() + "/" + u.GetName()
}

// readCatalogs reads the CloudProfile or NamespacedCloudProfile of every
// shoot in desired into catalogs and returns notes for those it cannot.
func readCatalogs(ctx context.Context, c client.Client, desired []*unstructured.Unstructured, now time.Time, out *Cluster) ([]string, error) {
	var notes []string
	seen := map[string]bool{}
	for _, u := range desired {
		gvk := u.GroupVersionKind()
		if gvk.Group != clusters.ShootGroup || gvk.Kind != clusters.ShootKind {
			continue
		}
		s, err := shoot.Read(u)
		if err != nil {
			continue // the upgrade preview reports it
		}
		kind, name := shoot.CloudProfile(s)
		k := preview.CatalogKey(kind, u.GetNamespace(), name)
		if name == "" || seen[k] {
			continue
		}
		seen[k] = true
		data, err := clusters.CloudProfile(ctx, c, kind, u.GetNamespace(), name)
		switch {
		case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
			notes = append(notes, fmt.Sprintf("%s %s not found in the cluster", kind, k))
			continue
		case err != nil:
			return nil, fmt.Errorf("read %s %s: %w", kind, k, err)
		}
		_, cat, err := preview.DecodeCloudProfile(data, now)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s %s: %v", kind, k, err))
			continue
		}
		out.Catalogs[k] = cat
		if _, spec, err := preview.DecodeCloudProfileSpec(data); err == nil {
			out.Profiles[k] = spec
		}
	}
	return notes, nil
}
