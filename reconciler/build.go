package reconciler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gardenfleet/gardenfleet/admission"
	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
	"github.com/gardenfleet/gardenfleet/render"
)

// buildResult is a loaded and rendered fleet at one revision, or why it is
// not one. It is kept between passes: a revision is built once.
type buildResult struct {
	key      string // revision and path
	revision string
	fleet    *fleet.Fleet
	// objects are encoded until a pass needs them (clusters.Object).
	objects []clusters.Object
	err     error
	// retry: err is no verdict on the revision (the evaluation could not
	// be run), so the build is not kept.
	retry bool
}

// buildFleet loads and renders the fleet at the fetched revision. An invalid
// fleet is terminal: nothing of it is applied, every issue is in the status
// with its file:line:col and in one Warning Event, and the previous revision
// stays in force until a new one is pushed.
func (e *engine) buildFleet(ctx context.Context, sc *scope) error {
	path, err := fleetPath(sc.fleet)
	if err != nil {
		return err
	}
	gates, err := featureGates(sc.fleet.Spec.FeatureGates)
	if err != nil {
		return terminal(InvalidSpecReason, err)
	}
	key := sc.artifact.Revision + "\x00" + path + "\x00" + gates
	b := sc.state.build
	if b == nil || b.key != key {
		// Gardener's checks read the garden's CloudProfiles and bindings.
		// Without them the fleet is still built: an invalid revision is
		// invalid whatever the garden holds, and says so first.
		var adm *bounded.Admission
		garden, gardenErr := clusters.GardenObjects(ctx, e.client)
		if gardenErr == nil {
			adm = &bounded.Admission{FeatureGates: gates, Garden: []fleet.File{{Path: "the garden cluster", Data: garden}}}
		}
		b = build(ctx, sc.state.src, sc.artifact, path, e.opts.Eval, adm)
		if b.retry {
			return transient(BuildFailedReason, b.err)
		}
		if gardenErr != nil && b.err == nil {
			// Not kept: Gardener has not judged this revision yet.
			return transient(BuildFailedReason, fmt.Errorf("read the garden's CloudProfiles: %w", gardenErr))
		}
		b.key, b.revision = key, sc.artifact.Revision
		sc.state.build = b
		if b.err != nil {
			e.event(sc, true, BuildFailedReason, "%s", b.err.Error())
		}
	}
	if b.err != nil {
		return terminal(BuildFailedReason, b.err)
	}
	sc.build = b
	objs, err := selectObjects(b.objects, sc.fleet.Spec.ShootSelector)
	if err != nil {
		return terminal(InvalidSpecReason, err)
	}
	sc.objects = objs
	return nil
}

// featureGates writes a Fleet's spec.featureGates in Gardener's syntax,
// sorted, and checks them with Gardener's feature gate code.
func featureGates(gates map[string]bool) (string, error) {
	parts := make([]string, 0, len(gates))
	for _, name := range slices.Sorted(maps.Keys(gates)) {
		parts = append(parts, name+"="+strconv.FormatBool(gates[name]))
	}
	s := strings.Join(parts, ",")
	if err := admission.ParseFeatureGates(s); err != nil {
		return "", fmt.Errorf("spec.featureGates: %w", err)
	}
	return s, nil
}

// fleetPath is the fleet's directory inside the repository.
func fleetPath(f *v1alpha1.Fleet) (string, error) {
	path := f.Spec.Path
	if path == "" {
		path = "."
	}
	if !filepath.IsLocal(path) {
		return "", terminal(InvalidSpecReason, fmt.Errorf("spec.path %q must be a relative path inside the repository", path))
	}
	return path, nil
}

// restoreApplied rebuilds, from the source's cache, the revision the
// status says was applied last, when this process has not built it (it
// restarted): so that revision stays in force while Git is down or a newer
// commit is invalid. A revision that cannot be restored is tried once.
func (e *engine) restoreApplied(ctx context.Context, sc *scope) *buildResult {
	rev := sc.prev.LastAppliedRevision
	if rev == "" || sc.state.src == nil || sc.state.restoreTried == rev {
		return nil
	}
	sc.state.restoreTried = rev
	path, err := fleetPath(sc.fleet)
	if err != nil {
		return nil
	}
	art, err := sc.state.src.Cached(rev)
	if err != nil {
		sc.log.Info("cannot restore the revision applied last from the cache", "revision", rev, "error", err.Error())
		return nil
	}
	// Gardener admitted it when it was applied: it is not judged again.
	b := build(ctx, sc.state.src, art, path, e.opts.Eval, nil)
	if b.err != nil {
		sc.log.Info("cannot rebuild the revision applied last", "revision", rev, "error", b.err.Error())
		return nil
	}
	b.key, b.revision = rev+"\x00"+path, rev
	sc.state.applied = b
	sc.log.Info("restored the revision applied last from the cache", "revision", rev)
	return b
}

// build loads and renders the fleet in directory path of the artifact's
// commit, read into memory: the commit's tree never reaches the disk. Issues
// are reported relative to the repository, as file:line:col: path: message
// lines.
//
// The commit is untrusted: bounded.Load evaluates it first in a child
// process within limits, so a fleet that runs for hours or takes the
// machine's memory fails its revision like an invalid one and the daemon
// lives on (per Fleet: up to --concurrency of them may run at once). The
// result is kept per revision (buildFleet), so the child runs once per
// revision, not per pass.
//
// With adm, the child also runs Gardener's own checks on what the fleet
// renders (bounded.Admission): a refused object fails the revision like an
// invalid fleet.
func build(ctx context.Context, src *source.Source, art source.Artifact, path string, limits bounded.Limits, adm *bounded.Admission) *buildResult {
	repo, err := src.Repo(ctx, art, filepath.ToSlash(path))
	if err != nil {
		return &buildResult{err: fmt.Errorf("build fleet: %w", err)}
	}
	// Each object is encoded as it is rendered: the daemon never holds the
	// revision as maps (at 10,000 shoots some 106 MB, the peak of a build).
	var objs []clusters.Object
	var encodeErr error
	f, _, _, err := bounded.LoadEach(ctx, repo, limits, adm, func(o *unstructured.Unstructured) error {
		encoded, err := clusters.Encode(o)
		if err != nil {
			encodeErr = err
			return err
		}
		objs = append(objs, encoded[0])
		return nil
	})
	var invalid *bounded.InvalidError
	switch {
	case encodeErr != nil:
		return &buildResult{err: fmt.Errorf("build fleet: %w", encodeErr)}
	case err == nil:
		slices.SortStableFunc(objs, func(a, b clusters.Object) int { return render.Compare(renderID(a), renderID(b)) })
		return &buildResult{fleet: f, objects: objs}
	case errors.As(err, &invalid):
		// Its files are named inside the repository already (repo.Name
		// is path).
		return &buildResult{err: err}
	case bounded.IsRefused(err):
		return &buildResult{err: fmt.Errorf("fleet is refused: %w", err)}
	}
	// The evaluation could not be run: no verdict on the revision.
	return &buildResult{err: fmt.Errorf("build fleet: %w", err), retry: true}
}

// selectObjects returns the objects a Fleet with the given shoot selector
// applies: everything without one; with one only the Shoots it selects, as
// the rest belongs to a Fleet without a selector.
func selectObjects(objs []clusters.Object, selector *metav1.LabelSelector) ([]clusters.Object, error) {
	if selector == nil {
		return objs, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, fmt.Errorf("spec.shootSelector: %w", err)
	}
	var out []clusters.Object
	for _, o := range objs {
		if isShoot(o.GroupVersionKind()) && sel.Matches(labels.Set(o.Labels())) {
			out = append(out, o)
		}
	}
	return out, nil
}

// renderID is what render.Sort orders o by.
func renderID(o clusters.Object) render.ID {
	ref := o.Ref()
	return render.ID{APIVersion: o.GroupVersionKind().GroupVersion().String(), Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}
}

func isShoot(gvk schema.GroupVersionKind) bool {
	return gvk.Group == clusters.ShootGroup && gvk.Kind == clusters.ShootKind
}
