package reconciler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/gardenfleet/gardenfleet/admission"
	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
	"github.com/gardenfleet/gardenfleet/render"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// buildResult is a loaded and rendered fleet at one revision, or why it is
// not one. It is kept between passes: a revision is built once.
type buildResult struct {
	key      string // revision and path
	revision string
	fleet    *fleet.Fleet
	objects  []*unstructured.Unstructured
	err      error
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
// The commit is untrusted: it is first evaluated in a child process within
// limits (bounded.Check), so a fleet that runs for hours or takes the
// machine's memory fails its revision like an invalid one and the daemon
// lives on. Only a fleet that passed is evaluated here: evaluation is
// deterministic, so this run stays within the same bounds (per Fleet: up to
// --concurrency of them may run at once). The result is kept per revision
// (buildFleet), so the child runs once per revision, not per pass.
//
// With adm, the child also runs Gardener's own checks on what the fleet
// renders (bounded.Admission): a refused object fails the revision like an
// invalid fleet.
func build(ctx context.Context, src *source.Source, art source.Artifact, path string, limits bounded.Limits, adm *bounded.Admission) *buildResult {
	repo, err := src.Repo(ctx, art, filepath.ToSlash(path))
	if err != nil {
		return &buildResult{err: fmt.Errorf("build fleet: %w", err)}
	}
	dir := repo.Name
	if _, err := bounded.CheckAdmitted(ctx, repo, limits, adm); err != nil {
		return checkFailed(err, path)
	}
	f, err := fleet.LoadRepo(repo)
	if err != nil {
		return &buildResult{err: buildError(err, dir, path)}
	}
	// The CUE graph is garbage now and most of the heap: let it go before
	// the render allocates.
	runtime.GC()
	res, err := render.Fleet(f)
	if err != nil {
		return &buildResult{err: buildError(err, dir, path)}
	}
	return &buildResult{fleet: f, objects: res.Objects}
}

// checkFailed reports a fleet that did not pass bounded.Check as the
// in-process build would have, and a passed limit or a crashed child as a
// refusal; an evaluation that could not be run is retried.
func checkFailed(err error, path string) *buildResult {
	var (
		invalid *bounded.InvalidError
		refused *bounded.RefusedError
		limit   *bounded.LimitError
		crash   *bounded.CrashError
		eval    *bounded.EvalError
		badFile *snapshot.Error
	)
	switch {
	case errors.As(err, &invalid):
		return &buildResult{err: invalidError(invalid.Issues, path)}
	case errors.As(err, &limit), errors.As(err, &crash):
		return &buildResult{err: fmt.Errorf("fleet is refused: %w", err)}
	case errors.As(err, &refused):
		return &buildResult{err: invalidError(refused.Issues, path)}
	case errors.As(err, &badFile):
		return &buildResult{err: fmt.Errorf("fleet is invalid: 1 error:\n%w", err)}
	case errors.As(err, &eval):
		return &buildResult{err: fmt.Errorf("build fleet: %w", err)}
	}
	return &buildResult{err: fmt.Errorf("build fleet: %w", err), retry: true}
}

// buildError reports a fleet loaded from dir, which is path of the
// repository, as invalid when it is.
func buildError(err error, dir, path string) error {
	var cerr cueerrors.Error
	if errors.As(err, &cerr) {
		return invalidError(fleet.Issues(err, dir), path)
	}
	var refused *snapshot.Error
	if errors.As(err, &refused) {
		return fmt.Errorf("fleet is invalid: 1 error:\n%w", err)
	}
	return fmt.Errorf("build fleet: %w", err)
}

// invalidError lists issues placed relative to the fleet's directory, path
// of the repository, as file:line:col: path: message lines relative to the
// repository.
func invalidError(issues []fleet.Issue, path string) error {
	lines := make([]string, len(issues))
	for i, is := range issues {
		if is.File != "" && path != "." {
			is.File = filepath.ToSlash(filepath.Join(path, is.File))
		}
		lines[i] = is.String()
	}
	return fmt.Errorf("fleet is invalid: %s:\n%s", plural(len(issues), "error"), strings.Join(lines, "\n"))
}

// selectObjects returns the objects a Fleet with the given shoot selector
// applies: everything without one; with one only the Shoots it selects, as
// the rest belongs to a Fleet without a selector.
func selectObjects(objs []*unstructured.Unstructured, selector *metav1.LabelSelector) ([]*unstructured.Unstructured, error) {
	if selector == nil {
		return objs, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, fmt.Errorf("spec.shootSelector: %w", err)
	}
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if isShoot(o) && sel.Matches(labels.Set(o.GetLabels())) {
			out = append(out, o)
		}
	}
	return out, nil
}

func isShoot(o *unstructured.Unstructured) bool {
	gvk := o.GroupVersionKind()
	return gvk.Group == clusters.ShootGroup && gvk.Kind == clusters.ShootKind
}
