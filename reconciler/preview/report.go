package preview

import (
	"fmt"
	"slices"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
	"github.com/gardenfleet/gardenfleet/render"
)

// Schema names the version of the JSON form of a Report.
const Schema = "gardenfleet.dev/plan/v1"

// Input is what Build compares.
type Input struct {
	// Base describes what the fleet is compared with, for the report's
	// header, e.g. "HEAD (3f2a1bc)" or "cluster".
	Base string
	// BaseObjects are the objects the base holds: rendered from a base
	// revision's fleet, or read from a cluster.
	BaseObjects []*unstructured.Unstructured
	// Objects are the objects rendered from the fleet being planned.
	Objects []*unstructured.Unstructured
	// Fleet is the fleet being planned; its waves and rollout settings order
	// the upgrades. Nil when it is invalid.
	Fleet *fleet.Fleet
	// Issues are the new fleet's validation problems. When there are any,
	// the report holds only them: an invalid fleet changes nothing.
	Issues []fleet.Issue
	// Warnings are what the new fleet says that has no effect or may not
	// do what it seems to; they change nothing.
	Warnings []fleet.Issue
	// Catalogs holds each cloud profile's versions by CatalogKey. A shoot
	// whose profile is missing is planned with the versions the base and
	// new shoots name, and a minor none of them names shows as MAJOR.MINOR.x.
	Catalogs map[string]*planner.Catalog
	// FieldManager, when set, says the base objects are live: a field only
	// the base has is reported removed only when this manager owns it in
	// the base object's managedFields, as server-side apply would remove
	// nothing else.
	FieldManager string
	// Notes are passed through to the report.
	Notes []string
	// AdmitUpdate, when set, judges every changed Shoot and every planned
	// step as Gardener judges an update; what it refuses is a violation.
	AdmitUpdate AdmitUpdateFunc
	// Now is when the plan is made: the schedule counts from it and places
	// maintenance windows after it.
	Now time.Time
	// StepDuration is what the schedule assumes a step takes until Gardener
	// confirms it; DefaultStepDuration when zero.
	StepDuration time.Duration
	// Forecast, when set, lists the versions of base shoots that expire
	// within it, by their Profiles (by CatalogKey).
	Forecast time.Duration
	Profiles map[string]*gardencorev1beta1.CloudProfileSpec
}

// Report is what applying a fleet would change.
type Report struct {
	Schema string `json:"schema"`
	Base   string `json:"base"`
	// Invalid says the new fleet failed validation: the report then holds
	// only its Violations, as nothing else can be compared.
	Invalid bool    `json:"invalid"`
	Summary Summary `json:"summary"`
	// Objects are the objects added, changed and removed, in apply order.
	Objects []ObjectChange `json:"objects"`
	// Upgrades are the shoots whose Kubernetes versions move, or cannot,
	// sorted by namespace/name.
	Upgrades []Upgrade `json:"upgrades"`
	// Waves order the upgrading shoots, in the fleet's order; shoots in no
	// wave come last, in a wave named "".
	Waves []Wave `json:"waves"`
	// Schedule is when each step of the upgrades runs at the earliest.
	Schedule *Schedule `json:"schedule,omitempty"`
	// Forecast lists Gardener's forced updates (plan --forecast).
	Forecast   *Forecast   `json:"forecast,omitempty"`
	Violations []Violation `json:"violations"`
	Warnings   []Violation `json:"warnings,omitempty"`
	Notes      []string    `json:"notes"`
}

// Summary counts the report's entries.
type Summary struct {
	Added      int `json:"added"`
	Changed    int `json:"changed"`
	Removed    int `json:"removed"`
	Unchanged  int `json:"unchanged"`
	Upgrades   int `json:"upgrades"`
	Violations int `json:"violations"`
}

// ObjectChange is one object the new fleet adds, changes or removes.
type ObjectChange struct {
	Op         Op     `json:"op"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Fields lists what changes, for a changed object.
	Fields []FieldChange `json:"fields,omitempty"`
}

// ID returns "Kind/namespace/name", or "Kind/name" without a namespace.
func (o ObjectChange) ID() string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// Violation is a rule the change breaks: a validation issue of the new
// fleet (with its position) or a shoot the planner cannot move.
type Violation struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Shoot   string `json:"shoot,omitempty"`
	Message string `json:"message"`
}

// String renders v as "file:line:col: path: message" or "shoot ns/name: message".
func (v Violation) String() string {
	if v.Shoot != "" {
		return "shoot " + v.Shoot + ": " + v.Message
	}
	return fleet.Issue{File: v.File, Line: v.Line, Column: v.Column, Path: v.Path, Message: v.Message}.String()
}

// HasChanges reports whether applying the fleet would change anything.
func (r *Report) HasChanges() bool {
	return r.Summary.Added+r.Summary.Changed+r.Summary.Removed > 0
}

// Build compares the new fleet with its base. It never fails: problems are
// the report's Violations and Notes.
func Build(in Input) *Report {
	r := &Report{
		Schema:     Schema,
		Base:       in.Base,
		Objects:    []ObjectChange{},
		Upgrades:   []Upgrade{},
		Waves:      []Wave{},
		Violations: []Violation{},
		Notes:      append([]string{}, in.Notes...),
	}
	for _, is := range in.Warnings {
		r.Warnings = append(r.Warnings, Violation{File: is.File, Line: is.Line, Column: is.Column, Path: is.Path, Message: is.Message})
	}
	if len(in.Issues) > 0 {
		r.Invalid = true
		for _, is := range in.Issues {
			r.Violations = append(r.Violations, Violation{File: is.File, Line: is.Line, Column: is.Column, Path: is.Path, Message: is.Message})
		}
		r.Summary.Violations = len(r.Violations)
		return r
	}

	pairs := matchObjects(in.BaseObjects, in.Objects)
	changed := map[*unstructured.Unstructured]bool{}
	for _, p := range pairs {
		switch {
		case p.base == nil:
			r.Objects = append(r.Objects, objectChange(Added, p.next, nil))
			r.Summary.Added++
		case p.next == nil:
			r.Objects = append(r.Objects, objectChange(Removed, p.base, nil))
			r.Summary.Removed++
		default:
			if fields := diffObjects(p.base, p.next, in.FieldManager); len(fields) > 0 {
				r.Objects = append(r.Objects, objectChange(Changed, p.next, fields))
				r.Summary.Changed++
				changed[p.next] = true
			} else {
				r.Summary.Unchanged++
			}
		}
	}

	r.Upgrades, r.Notes = planUpgrades(pairs, in, r.Notes)
	r.Waves = waves(r.Upgrades, in.Fleet)
	var starts map[string][]time.Time
	r.Schedule, starts = schedule(r.Upgrades, r.Waves, pairs, in)
	if in.Forecast > 0 {
		r.Forecast = forecast(pairs, r.Upgrades, starts, in)
	}
	for _, u := range r.Upgrades {
		if u.Error != "" {
			r.Violations = append(r.Violations, Violation{Shoot: u.Shoot, Message: u.Error})
		}
	}
	if in.AdmitUpdate != nil {
		vs, notes := admitUpdates(pairs, changed, r.Upgrades, in.AdmitUpdate)
		r.Violations = append(r.Violations, vs...)
		for _, n := range notes {
			if !slices.Contains(r.Notes, n) {
				r.Notes = append(r.Notes, n)
			}
		}
	}
	r.Summary.Upgrades = len(r.Upgrades)
	r.Summary.Violations = len(r.Violations)
	return r
}

func objectChange(op Op, u *unstructured.Unstructured, fields []FieldChange) ObjectChange {
	return ObjectChange{Op: op, APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName(), Fields: fields}
}

// pair is an object of the base and its counterpart in the new fleet;
// either may be nil.
type pair struct {
	base, next *unstructured.Unstructured
}

func objectKey(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	// The version is left out: the same object read in another version is
	// still the same object.
	return gvk.Group + "/" + gvk.Kind + "/" + u.GetNamespace() + "/" + u.GetName()
}

// matchObjects pairs base and new objects by group, kind, namespace and
// name, in apply order (removed objects sorted in among the rest).
func matchObjects(base, next []*unstructured.Unstructured) []pair {
	byKey := make(map[string]*unstructured.Unstructured, len(base))
	for _, u := range base {
		byKey[objectKey(u)] = u
	}
	all := make([]*unstructured.Unstructured, 0, len(base)+len(next))
	isNew := make(map[*unstructured.Unstructured]bool, len(next))
	seen := make(map[string]bool, len(next))
	for _, u := range next {
		all = append(all, u)
		isNew[u] = true
		seen[objectKey(u)] = true
	}
	for _, u := range base {
		if !seen[objectKey(u)] {
			all = append(all, u)
		}
	}
	render.Sort(all)
	pairs := make([]pair, len(all))
	for i, u := range all {
		if isNew[u] {
			pairs[i] = pair{base: byKey[objectKey(u)], next: u}
		} else {
			pairs[i] = pair{base: u}
		}
	}
	return pairs
}

// diffObjects returns the field changes from base to next, leaving out what
// only the cluster writes (status, server-set metadata) and gardenfleet's
// own bookkeeping labels and annotations.
func diffObjects(base, next *unstructured.Unstructured, manager string) []FieldChange {
	d := &differ{owned: ownedBy(base.Object, manager)}
	d.diff(comparable(base.Object, next.Object), comparable(next.Object, nil))
	return d.out
}

// comparable returns the fields of obj that a fleet can set: everything but
// status, and of the metadata only name, namespace, labels and annotations.
// Labels and annotations of gardenfleet itself are left out. For a base
// object, so are Gardener's annotations that next does not set: Gardener
// writes them on live shoots.
func comparable(obj, next map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "status" && k != "metadata" {
			out[k] = v
		}
	}
	meta, _ := obj["metadata"].(map[string]any)
	nextMeta, _ := next["metadata"].(map[string]any)
	m := map[string]any{}
	for _, k := range []string{"name", "namespace"} {
		if v, ok := meta[k]; ok {
			m[k] = v
		}
	}
	for _, k := range []string{"labels", "annotations"} {
		vals, _ := meta[k].(map[string]any)
		nextVals, _ := nextMeta[k].(map[string]any)
		kept := map[string]any{}
		for name, v := range vals {
			_, nextSets := nextVals[name]
			if isGardenfleetKey(name) || (next != nil && k == "annotations" && isGardenerKey(name) && !nextSets) {
				continue
			}
			kept[name] = v
		}
		if len(kept) > 0 {
			m[k] = kept
		}
	}
	out["metadata"] = m
	return out
}

// gardenfleetDomain prefixes the labels and annotations gardenfleet sets for
// itself (ownership, digest); see package clusters.
const gardenfleetDomain = "gardenfleet.dev/"

func isGardenfleetKey(k string) bool { return strings.HasPrefix(k, gardenfleetDomain) }

// isGardenerKey reports whether an annotation is in Gardener's domains
// (gardener.cloud/..., shoot.gardener.cloud/..., ...).
func isGardenerKey(k string) bool {
	domain, _, ok := strings.Cut(k, "/")
	return ok && (domain == "gardener.cloud" || strings.HasSuffix(domain, ".gardener.cloud"))
}

// objectName returns "namespace/name".
func objectName(u *unstructured.Unstructured) string {
	return fmt.Sprintf("%s/%s", u.GetNamespace(), u.GetName())
}
