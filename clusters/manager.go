package clusters

import (
	"context"
	"fmt"
	"strings"

	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// FieldManager is the server-side apply field manager of everything
// gardenfleet writes. It is the only one: a second name would split field
// ownership and let one half of gardenfleet undo the other.
const FieldManager = "gardenfleet"

// Labels and annotations gardenfleet sets.
const (
	// OwnerGroup prefixes the ownership labels.
	OwnerGroup = "gardenfleet.dev"
	// LabelName and LabelNamespace name the Fleet object that applied an
	// object. Only objects carrying both, matching the Manager's Owner, are
	// ever deleted.
	LabelName      = OwnerGroup + "/name"
	LabelNamespace = OwnerGroup + "/namespace"
	// DigestAnnotation holds a digest of the object as last applied; with it
	// Apply tells an unchanged object from the live one without a dry run.
	DigestAnnotation = OwnerGroup + "/digest"
	// DeletionConfirmationAnnotation is Gardener's guard against deleting a
	// Shoot or Project by accident.
	DeletionConfirmationAnnotation = "confirmation.gardener.cloud/deletion"
)

// Owner is the Fleet object on whose behalf a Manager acts.
type Owner struct {
	Name      string
	Namespace string
}

// Manager applies, prunes and watches the objects of one Fleet on one cluster.
// It is safe for concurrent use by one reconciler; two Managers with the same
// Owner on one cluster fight.
type Manager struct {
	client client.Client
	rm     *ssa.ResourceManager
	owner  Owner
}

// NewManager returns a Manager writing through c with field manager
// FieldManager and the ownership labels of owner.
//
// NOTE: c should not be throttled at client-go's default 5 QPS: a cold apply
// costs two requests per object (a get and the apply), run
// ApplyOptions.Concurrency at a time.
func NewManager(c client.Client, owner Owner) *Manager {
	return &Manager{
		client: c,
		// No poller: Manager waits with its own health rules (Wait).
		rm:    ssa.NewResourceManager(c, nil, ssa.Owner{Field: FieldManager, Group: OwnerGroup}),
		owner: owner,
	}
}

// WithLiveReads returns c with its reads (Get and List) sent to r, a reader
// of the API server such as a manager's APIReader. A manager's client answers
// metadata-only lists from its cache: Apply's existence list would start an
// informer of every kind it lists (all Shoots, held for the daemon's life)
// and get one page back with a continue token the cache refuses, so every
// object of a cold apply would be fetched one by one.
func WithLiveReads(c client.Client, r client.Reader) client.Client {
	return liveReads{Client: c, reader: r}
}

type liveReads struct {
	client.Client
	reader client.Reader
}

func (c liveReads) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	return c.reader.Get(ctx, key, obj, opts...)
}

func (c liveReads) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return c.reader.List(ctx, list, opts...)
}

// OwnerLabels returns the labels Apply sets on every object.
func (m *Manager) OwnerLabels() map[string]string {
	return map[string]string{LabelName: m.owner.Name, LabelNamespace: m.owner.Namespace}
}

// owns reports whether a live object carries this Manager's ownership labels.
func (m *Manager) owns(u *unstructured.Unstructured) bool {
	l := u.GetLabels()
	return l[LabelName] == m.owner.Name && l[LabelNamespace] == m.owner.Namespace
}

// Action is what happened to one object.
type Action string

// Actions reported in a ChangeSet.
const (
	// Created: the object did not exist and was created.
	Created Action = "created"
	// Configured: the object existed and was changed.
	Configured Action = "configured"
	// Unchanged: the object already matched; nothing was written.
	Unchanged Action = "unchanged"
	// Deleted: the object was deleted, or was already gone.
	Deleted Action = "deleted"
	// Skipped: the object was left alone on purpose; Message says why.
	Skipped Action = "skipped"
)

// ChangeSetEntry is the result for one object.
type ChangeSetEntry struct {
	// Ref identifies the object.
	Ref inventory.Ref
	// Action is what happened to it.
	Action Action
	// Message explains a Skipped action, or a dry run's caveat.
	Message string
	// Notes lists fields left to Gardener (see PreserveGardenerOwned).
	Notes []Note
}

// String renders the entry as "Kind/ns/name action[: message]".
func (e ChangeSetEntry) String() string {
	s := e.Ref.String() + " " + string(e.Action)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ChangeSet is the result of one Apply, DryRun, Delete or Prune: one entry per
// object handled, in the order handled. After a failure it holds the objects
// handled successfully so far.
type ChangeSet struct {
	Entries []ChangeSetEntry
}

// String renders one entry per line.
func (cs *ChangeSet) String() string {
	lines := make([]string, 0, len(cs.Entries))
	for _, e := range cs.Entries {
		lines = append(lines, e.String())
	}
	return strings.Join(lines, "\n")
}

// Inventory returns the refs of the entries with one of the given actions,
// or of all entries when none is given.
func (cs *ChangeSet) Inventory(actions ...Action) inventory.Inventory {
	var refs []inventory.Ref
	for _, e := range cs.Entries {
		if len(actions) == 0 || containsAction(actions, e.Action) {
			refs = append(refs, e.Ref)
		}
	}
	return inventory.FromRefs(refs...)
}

// Count returns how many entries have action a.
func (cs *ChangeSet) Count(a Action) int {
	n := 0
	for _, e := range cs.Entries {
		if e.Action == a {
			n++
		}
	}
	return n
}

// Summary counts entries per action, e.g. "2 created, 1 unchanged".
func (cs *ChangeSet) Summary() string {
	var parts []string
	for _, a := range []Action{Created, Configured, Unchanged, Deleted, Skipped} {
		if n := cs.Count(a); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, a))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

func containsAction(as []Action, a Action) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
