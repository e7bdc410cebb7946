package clusters

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/fluxcd/pkg/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	// Concurrency is how many objects of one stage are handled at once.
	Concurrency int

	// FastNoOp lists the live objects of each kind that carry the fleet's
	// ownership labels (one request per ListPageSize objects) and reports an
	// object Unchanged without a request of its own when it carries the
	// desired digest and every desired field is unchanged. Objects not
	// provably unchanged still get a server-side dry run. Off, every object is
	// fetched and dry-run.
	FastNoOp bool

	// ListPageSize is the page size of the FastNoOp lists: one decoded page
	// of live objects is held at a time.
	ListPageSize int64

	// ExistenceListThreshold: with FastNoOp, when at least this many objects
	// of one kind are not among the fleet's live objects, one metadata-only
	// list of the kind tells which exist, instead of a get per object; a
	// cold apply then costs one request per object.
	ExistenceListThreshold int

	// CRDTimeout bounds the wait for applied CustomResourceDefinitions to be
	// established before the stages that may use them.
	CRDTimeout time.Duration

	// ProjectTimeout bounds the wait for each created or changed Gardener
	// Project to reach phase Ready before the stage of its Shoots: Gardener's
	// project controller makes the Project's namespace.
	ProjectTimeout time.Duration

	// PollInterval is how often the CRD and Project waits poll.
	PollInterval time.Duration
}

// DefaultApplyOptions returns the options Apply is meant to run with.
func DefaultApplyOptions() ApplyOptions {
	return ApplyOptions{
		Concurrency:            8,
		FastNoOp:               true,
		ListPageSize:           ListPageSize,
		ExistenceListThreshold: 20,
		CRDTimeout:             time.Minute,
		ProjectTimeout:         time.Minute,
		PollInterval:           500 * time.Millisecond,
	}
}

func (o ApplyOptions) withDefaults() ApplyOptions {
	d := DefaultApplyOptions()
	if o.Concurrency < 1 {
		o.Concurrency = d.Concurrency
	}
	if o.ListPageSize < 1 {
		o.ListPageSize = d.ListPageSize
	}
	if o.ExistenceListThreshold < 1 {
		o.ExistenceListThreshold = d.ExistenceListThreshold
	}
	if o.CRDTimeout <= 0 {
		o.CRDTimeout = d.CRDTimeout
	}
	if o.ProjectTimeout <= 0 {
		o.ProjectTimeout = d.ProjectTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = d.PollInterval
	}
	return o
}

var (
	crdGVK     = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	projectGVK = schema.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Project"}
)

// Apply server-side applies objs with field manager FieldManager, setting
// the ownership labels and DigestAnnotation and leaving Gardener's fields to
// Gardener (PreserveGardenerOwned). It applies in stages: Namespaces and
// CRDs (then waits for the CRDs), other cluster-scoped objects (then waits
// for the Projects it created or changed to be Ready), the rest.
// Only objects that differ from the live ones are patched. The caller's
// objects are not modified; an encoded one is decoded when the live object
// is compared with it, and kept decoded only when it is to be written.
//
// On failure it returns the ChangeSet of what was handled successfully so
// far together with the error: errors.Join of one *ObjectError or
// *ImmutableFieldError per failed object. Later stages are not attempted
// after a stage with a failure.
func (m *Manager) Apply(ctx context.Context, objs []Object, opts ApplyOptions) (*ChangeSet, error) {
	opts = opts.withDefaults()
	cs := &ChangeSet{}
	for _, stage := range inApplyOrder(objs) {
		entries, err := m.applyStage(ctx, stage, opts)
		cs.Entries = append(cs.Entries, entries...)
		if err != nil {
			return cs, err
		}
		if err := m.waitCRDsEstablished(ctx, Refs(stage), opts); err != nil {
			return cs, err
		}
		if err := m.waitProjectsReady(ctx, entries, opts); err != nil {
			return cs, err
		}
	}
	return cs, nil
}

// labelled returns o with the ownership labels: a view with top-level and
// metadata maps of its own, where the labels and the digest go; the rest
// (spec, data) is shared and never written: settle copies a Shoot in full
// before changing Gardener's fields.
func (m *Manager) labelled(o *unstructured.Unstructured) *unstructured.Unstructured {
	v := &unstructured.Unstructured{Object: maps.Clone(o.Object)}
	if md, ok := o.Object["metadata"].(map[string]any); ok {
		v.Object["metadata"] = maps.Clone(md)
	}
	labels := v.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, m.OwnerLabels())
	v.SetLabels(labels)
	return v
}

// settleObject decodes o and settles it, labelled, over live.
func (m *Manager) settleObject(o Object, live *unstructured.Unstructured) (*unstructured.Unstructured, []Note, error) {
	u, err := o.Decode()
	if err != nil {
		return nil, nil, err
	}
	return settle(m.labelled(u), live)
}

// settle returns labelled's obj as it is applied over live (nil: not created
// yet): the digest set, then Gardener's fields preserved, in a copy when they
// change. The digest is of what the fleet asks for, not of the versions kept
// from live: a version Gardener raised (maintenance, or a partial machine
// image version its admission completed on create) leaves the digest as
// applied, so the next pass finds the Shoot unchanged instead of writing it.
func settle(obj, live *unstructured.Unstructured) (*unstructured.Unstructured, []Note, error) {
	if err := setDigest(obj); err != nil {
		return nil, nil, err
	}
	out, notes := PreserveGardenerOwned(obj, live)
	return out, notes, nil
}

// inApplyOrder returns objs in ssa's kind order, split into stages:
// Namespaces and CRDs, other cluster-scoped objects (no namespace), and the
// rest; empty stages are left out.
func inApplyOrder(objs []Object) [][]Object {
	sorted := slices.Clone(objs)
	sortForApply(sorted)
	var defs, cluster, rest []Object
	for _, o := range sorted {
		gvk := o.GroupVersionKind()
		switch {
		case gvk.GroupKind() == crdGVK.GroupKind(), gvk.Group == "" && gvk.Kind == "Namespace":
			defs = append(defs, o)
		case o.ref.Namespace == "":
			cluster = append(cluster, o)
		default:
			rest = append(rest, o)
		}
	}
	var out [][]Object
	for _, s := range [][]Object{defs, cluster, rest} {
		if len(s) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// applyItem is the per-object state of one stage.
type applyItem struct {
	desired Object
	// write is the settled object to write, once the FastNoOp list found the
	// live object and it differs; nil otherwise: an unchanged object is not
	// kept decoded.
	write *unstructured.Unstructured
	// seen: the FastNoOp list found the live object and settled desired
	// over it; unchanged: and nothing needs writing; absent: a metadata list
	// showed it does not exist.
	seen, unchanged, absent bool
	notes                   []Note
}

func (m *Manager) applyStage(ctx context.Context, objs []Object, opts ApplyOptions) ([]ChangeSetEntry, error) {
	items := make([]applyItem, len(objs))
	for i, o := range objs {
		items[i].desired = o
	}
	if opts.FastNoOp {
		m.scanLive(ctx, items, opts)
	}

	// Workers write only their own index: no locks needed.
	entries := make([]ChangeSetEntry, len(items))
	errs := make([]error, len(items))
	forEach(len(items), opts.Concurrency, func(i int) {
		entries[i], errs[i] = m.applyOne(ctx, &items[i], opts)
		items[i].write = nil // written: not held to the end of the stage
	})

	var ok []ChangeSetEntry
	for i := range items {
		if errs[i] == nil {
			ok = append(ok, entries[i])
		}
	}
	return ok, errors.Join(errs...)
}

// applyOne applies one object, reporting what happened.
func (m *Manager) applyOne(ctx context.Context, it *applyItem, opts ApplyOptions) (ChangeSetEntry, error) {
	ref := it.desired.Ref()
	if it.unchanged {
		return ChangeSetEntry{Ref: ref, Action: Unchanged, Notes: it.notes}, nil
	}
	obj := it.write
	if !it.seen {
		var live *unstructured.Unstructured
		var err error
		if !it.absent {
			if live, err = m.Live(ctx, ref.Object()); err != nil {
				return ChangeSetEntry{}, &ObjectError{Ref: ref, Op: "get", Err: err}
			}
		}
		if obj, it.notes, err = m.settleObject(it.desired, live); err != nil {
			return ChangeSetEntry{}, &ObjectError{Ref: ref, Op: "apply", Err: err}
		}
		if live == nil {
			// Nothing to diff against: the apply is the create, and the
			// server validates it as a dry run would.
			err := m.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(discardResponse(obj)),
				client.ForceOwnership, client.FieldOwner(FieldManager))
			if err != nil {
				return ChangeSetEntry{}, applyError(ref, "apply", err)
			}
			return ChangeSetEntry{Ref: ref, Action: Created, Notes: it.notes}, nil
		}
		if opts.FastNoOp && unchangedLocally(obj, live) {
			return ChangeSetEntry{Ref: ref, Action: Unchanged, Notes: it.notes}, nil
		}
	}

	// NOTE: Force stays false: ssa would delete and recreate an object on an
	// immutable field change, and a Shoot must never be recreated.
	e, err := m.rm.Apply(ctx, obj, ssa.ApplyOptions{})
	if err != nil {
		return ChangeSetEntry{}, applyError(ref, "apply", err)
	}
	return ChangeSetEntry{Ref: ref, Action: fromSSA(e.Action), Notes: it.notes}, nil
}

// discardResponse returns obj for a request whose response is decoded into
// it: the decoded object replaces the returned one's Object, and obj, kept to
// the end of Apply, does not hold the server's copy (a cold apply of 5,000
// Shoots would otherwise keep 5,000 responses, managedFields and all). Its
// maps are not written: decoding replaces Object rather than filling it.
func discardResponse(obj *unstructured.Unstructured) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: obj.Object}
}

func fromSSA(a ssa.Action) Action {
	switch a {
	case ssa.CreatedAction:
		return Created
	case ssa.ConfiguredAction:
		return Configured
	case ssa.DeletedAction:
		return Deleted
	case ssa.SkippedAction:
		return Skipped
	}
	return Unchanged
}

// scanLive lists, per kind, the live objects carrying the ownership labels
// and settles every item it finds: Gardener's fields preserved, digest set,
// unchanged decided. Pages are handled as they arrive so only one page of
// live objects is held at a time. When many items of a kind were not found,
// a metadata-only list marks those that do not exist at all. A failed list (a
// kind not served yet, no permission) leaves its items to the per-object path.
//
// NOTE: an object created by someone else between the list and the apply is
// reported Created, and a Shoot's Gardener fields are not looked at; the
// apply itself is still correct server-side apply.
func (m *Manager) scanLive(ctx context.Context, items []applyItem, opts ApplyOptions) {
	type objKey struct{ namespace, name string }
	byGVK := map[schema.GroupVersionKind]map[objKey]int{}
	var gvks []schema.GroupVersionKind
	for i, it := range items {
		gvk := it.desired.GroupVersionKind()
		if byGVK[gvk] == nil {
			byGVK[gvk] = map[objKey]int{}
			gvks = append(gvks, gvk)
		}
		ref := it.desired.Ref()
		byGVK[gvk][objKey{ref.Namespace, ref.Name}] = i
	}
	for _, gvk := range gvks {
		index := byGVK[gvk]
		if err := m.listOwned(ctx, gvk, opts.ListPageSize, func(live *unstructured.Unstructured) {
			i, ok := index[objKey{live.GetNamespace(), live.GetName()}]
			if !ok {
				return
			}
			it := &items[i]
			desired, notes, err := m.settleObject(it.desired, live)
			if err != nil {
				return // the per-object path reports it
			}
			it.notes, it.seen = notes, true
			it.unchanged = unchangedLocally(desired, live)
			if !it.unchanged {
				// Only an object to write is kept decoded, with Gardener's
				// fields: a no-op pass at 10,000 shoots held some 60 MB of
				// copies to the end of the apply.
				it.write = desired
			}
		}); err != nil {
			continue
		}

		var missing []int
		for _, i := range index {
			if !items[i].seen {
				missing = append(missing, i)
			}
		}
		if len(missing) < opts.ExistenceListThreshold {
			continue
		}
		exists := map[objKey]bool{}
		if err := m.listMetadataPages(ctx, gvk, opts.ListPageSize, func(namespace, name string) {
			exists[objKey{namespace, name}] = true
		}); err != nil {
			continue
		}
		for _, i := range missing {
			ref := items[i].desired.Ref()
			items[i].absent = !exists[objKey{ref.Namespace, ref.Name}]
		}
	}
}

// listMetadataPages lists the names of all objects of gvk, page by page,
// fetching metadata only.
func (m *Manager) listMetadataPages(ctx context.Context, gvk schema.GroupVersionKind, pageSize int64, each func(namespace, name string)) error {
	cont := ""
	for {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := m.client.List(ctx, list, client.Limit(pageSize), client.Continue(cont)); err != nil {
			return err
		}
		for i := range list.Items {
			each(list.Items[i].Namespace, list.Items[i].Name)
		}
		cont = list.GetContinue()
		if cont == "" {
			return nil
		}
	}
}

// waitCRDsEstablished waits until every CRD among refs is established, so
// the next stage can create its kinds.
func (m *Manager) waitCRDsEstablished(ctx context.Context, refs []inventory.Ref, opts ApplyOptions) error {
	for _, ref := range refs {
		if ref.GroupVersionKind().GroupKind() != crdGVK.GroupKind() {
			continue
		}
		var last string
		err := wait.PollUntilContextTimeout(ctx, opts.PollInterval, opts.CRDTimeout, true, func(ctx context.Context) (bool, error) {
			crd := &unstructured.Unstructured{}
			crd.SetGroupVersionKind(crdGVK)
			if err := m.client.Get(ctx, client.ObjectKey{Name: ref.Name}, crd); err != nil {
				last = err.Error()
				return false, nil
			}
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			for _, c := range conds {
				cm, _ := c.(map[string]any)
				if cm["type"] == "Established" {
					last = fmt.Sprintf("Established is %v: %v", cm["status"], cm["message"])
					return cm["status"] == "True", nil
				}
			}
			last = "Established not reported yet"
			return false, nil
		})
		if err != nil {
			return &ObjectError{Ref: ref, Op: "wait", Err: fmt.Errorf("not established within %s (%s): %w", opts.CRDTimeout, last, err)}
		}
	}
	return nil
}

// waitProjectsReady waits until every Gardener Project among entries that
// was created or changed reports phase Ready: only then does its namespace
// exist for the Shoots of the next stage. An unchanged Project costs nothing.
func (m *Manager) waitProjectsReady(ctx context.Context, entries []ChangeSetEntry, opts ApplyOptions) error {
	for _, e := range entries {
		if e.Ref.Group != projectGVK.Group || e.Ref.Kind != projectGVK.Kind || (e.Action != Created && e.Action != Configured) {
			continue
		}
		last := "no status yet"
		err := wait.PollUntilContextTimeout(ctx, opts.PollInterval, opts.ProjectTimeout, true, func(ctx context.Context) (bool, error) {
			p := &unstructured.Unstructured{}
			p.SetGroupVersionKind(projectGVK)
			if err := m.client.Get(ctx, client.ObjectKey{Name: e.Ref.Name}, p); err != nil {
				last = err.Error()
				return false, nil
			}
			phase, _, _ := unstructured.NestedString(p.Object, "status", "phase")
			observed, _, _ := unstructured.NestedInt64(p.Object, "status", "observedGeneration")
			if phase != "" {
				last = "phase " + phase
			}
			return phase == "Ready" && observed >= p.GetGeneration(), nil
		})
		if err != nil {
			return &ObjectError{Ref: e.Ref, Op: "wait", Err: fmt.Errorf("not Ready within %s (%s): %w", opts.ProjectTimeout, last, err)}
		}
	}
	return nil
}

// forEach calls fn for 0..n-1, at most limit at a time, and returns when all
// calls have.
func forEach(n, limit int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, limit))
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}
