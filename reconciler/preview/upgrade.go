package preview

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// Upgrade is one shoot whose Kubernetes versions move from the base to the
// new fleet, with the planner's steps, or the reason it has none.
type Upgrade struct {
	Shoot        string   `json:"shoot"` // namespace/name
	CloudProfile string   `json:"cloudProfile"`
	Wave         string   `json:"wave,omitempty"`
	DependsOn    []string `json:"dependsOn,omitempty"`
	// Hold says why the steps wait, e.g. for a hibernated shoot to wake up.
	Hold    string        `json:"hold,omitempty"`
	Current VersionState  `json:"current"`
	Target  *VersionState `json:"target,omitempty"`
	// Steps are applied in order, each confirmed before the next.
	Steps []Step `json:"steps"`
	// Kept lists live versions left ahead of Git.
	Kept []string `json:"kept,omitempty"`
	// MissingMinors are the minors (MAJOR.MINOR) the steps pass through but
	// no known version names; their steps show the patch as x.
	MissingMinors []string `json:"missingMinors,omitempty"`
	// Error says why the shoot cannot get to its target.
	Error string `json:"error,omitempty"`
}

// VersionState is a shoot's versions at one point of its plan.
type VersionState struct {
	ControlPlane string            `json:"controlPlane"`
	Pools        map[string]string `json:"pools,omitempty"`
}

// String renders s as "control plane 1.36.2, pool a 1.35.4", pools by name.
func (s VersionState) String() string {
	var b strings.Builder
	b.WriteString("control plane ")
	b.WriteString(s.ControlPlane)
	for _, name := range sortedKeys(s.Pools) {
		fmt.Fprintf(&b, ", pool %s %s", name, s.Pools[name])
	}
	return b.String()
}

// Step is the full state after one step, and what the step moves.
type Step struct {
	VersionState
	// Changes are "control plane 1.35.4 -> 1.36.2" or "pool a 1.35.4 -> 1.36.2".
	Changes []string `json:"changes"`
}

// unknownPatch marks a version the planner is told exists so that it can
// plan through a minor nobody named: without a CloudProfile the patch it
// would take is not known.
const unknownPatch = math.MaxUint64

func versionString(v planner.Version) string {
	if v.Patch == unknownPatch {
		return fmt.Sprintf("%d.%d.x", v.Major, v.Minor)
	}
	return v.String()
}

func state(s planner.State) VersionState {
	vs := VersionState{ControlPlane: versionString(s.ControlPlane)}
	if len(s.Pools) > 0 {
		vs.Pools = make(map[string]string, len(s.Pools))
		for _, p := range s.Pools {
			vs.Pools[p.Name] = versionString(p.Version)
		}
	}
	return vs
}

// Shoot API group and kind, as rendered.
const (
	shootGroup = "core.gardener.cloud"
	shootKind  = "Shoot"
)

func isShoot(u *unstructured.Unstructured) bool {
	gvk := u.GroupVersionKind()
	return gvk.Group == shootGroup && gvk.Kind == shootKind
}

// CatalogKey names a shoot's cloud profile: the name of a CloudProfile, or
// namespace/name of a NamespacedCloudProfile.
func CatalogKey(kind, namespace, name string) string {
	if kind == "NamespacedCloudProfile" {
		return namespace + "/" + name
	}
	return name
}

func shootCatalogKey(u *unstructured.Unstructured) string {
	s, err := shoot.Read(u)
	if err != nil {
		return "" // readVersions reports it
	}
	kind, name := shoot.CloudProfile(s)
	return CatalogKey(kind, u.GetNamespace(), name)
}

// shootVersions are the versions a Shoot object names.
type shootVersions struct {
	controlPlane planner.Version
	// pools in the object's order with their effective versions.
	pools []planner.Pool
	// pinned are the pools with a version of their own.
	pinned map[string]planner.Version
}

func readVersions(u *unstructured.Unstructured) (shootVersions, error) {
	var sv shootVersions
	s, err := shoot.Read(u)
	if err != nil {
		return sv, err
	}
	cp, err := planner.ParseVersion(s.Spec.Kubernetes.Version)
	if err != nil {
		return sv, fmt.Errorf("spec.kubernetes.version: %w", err)
	}
	sv.controlPlane = cp
	for i := range s.Spec.Provider.Workers {
		w := &s.Spec.Provider.Workers[i]
		pool := planner.Pool{Name: w.Name, Version: cp, InPlace: shoot.InPlace(w)}
		if own := shoot.PoolVersion(w); own != "" {
			v, err := planner.ParseVersion(own)
			if err != nil {
				return sv, fmt.Errorf("pool %s: %w", w.Name, err)
			}
			pool.Version = v
			if sv.pinned == nil {
				sv.pinned = map[string]planner.Version{}
			}
			sv.pinned[w.Name] = v
		}
		sv.pools = append(sv.pools, pool)
	}
	return sv, nil
}

// planUpgrades plans every shoot that both the base and the new fleet have.
func planUpgrades(pairs []pair, in Input, notes []string) ([]Upgrade, []string) {
	fleetShoots := map[string]*fleet.Shoot{}
	if in.Fleet != nil {
		for i := range in.Fleet.Shoots {
			s := &in.Fleet.Shoots[i]
			fleetShoots[s.Namespace+"/"+s.Name] = s
		}
	}
	cats := newCatalogs(pairs, in.Catalogs)
	upgrades := []Upgrade{}
	for _, p := range pairs {
		if p.base == nil || p.next == nil || !isShoot(p.next) {
			continue
		}
		key := shootCatalogKey(p.next)
		u := Upgrade{Shoot: objectName(p.next), CloudProfile: key, Steps: []Step{}}
		var allowPreview bool
		if fs := fleetShoots[u.Shoot]; fs != nil {
			u.Wave = fs.Rollout.Wave
			u.DependsOn = fs.Rollout.DependsOn
			allowPreview = fs.Rollout.AllowPreview
			if hibernated(p.base, fs) && fs.Rollout.WhileHibernated != "proceed" {
				u.Hold = "hibernated: the steps wait until the shoot wakes up"
			}
		}
		base, err := readVersions(p.base)
		if err != nil {
			u.Error = "base: " + err.Error()
			upgrades = append(upgrades, u)
			continue
		}
		next, err := readVersions(p.next)
		if err != nil {
			u.Error = err.Error()
			upgrades = append(upgrades, u)
			continue
		}
		current, desired := currentAndDesired(base, next)
		u.Current = state(current.State())
		res, err := planner.Plan(current, desired, planner.Policy{Versions: cats.get(key), AllowPreview: allowPreview})
		if err != nil {
			u.Error = err.Error()
			upgrades = append(upgrades, u)
			continue
		}
		if len(res.Steps) == 0 && len(res.Kept) == 0 {
			continue
		}
		target := state(res.Target)
		u.Target = &target
		prev := current.State()
		missing := map[string]bool{}
		for _, s := range res.Steps {
			step := Step{VersionState: state(s)}
			for _, c := range planner.Changes(prev, s) {
				what := "control plane"
				if c.Pool != "" {
					what = "pool " + c.Pool
				}
				step.Changes = append(step.Changes, fmt.Sprintf("%s %s -> %s", what, versionString(c.From), versionString(c.To)))
				if c.To.Patch == unknownPatch {
					missing[fmt.Sprintf("%d.%d", c.To.Major, c.To.Minor)] = true
				}
			}
			u.Steps = append(u.Steps, step)
			prev = s
		}
		if len(missing) > 0 {
			u.MissingMinors = sortedKeys(missing)
		}
		for _, k := range res.Kept {
			u.Kept = append(u.Kept, keptString(k, in.FieldManager != ""))
		}
		upgrades = append(upgrades, u)
	}
	slices.SortFunc(upgrades, func(a, b Upgrade) int { return strings.Compare(a.Shoot, b.Shoot) })
	for _, key := range cats.guessedUsed(upgrades) {
		notes = append(notes, fmt.Sprintf("cloud profile %s not given: its versions are taken from the shoots; a minor none of them names shows as x", key))
	}
	return upgrades, notes
}

// currentAndDesired maps the base shoot to the planner's live shoot and the
// new one to its desired versions. Pools only one side has are left out:
// a new pool is created at its version, a removed one is deleted.
func currentAndDesired(base, next shootVersions) (planner.Current, planner.Desired) {
	current := planner.Current{ControlPlane: base.controlPlane}
	inNext := make(map[string]bool, len(next.pools))
	for _, p := range next.pools {
		inNext[p.Name] = true
	}
	inBase := make(map[string]bool, len(base.pools))
	for _, p := range base.pools {
		inBase[p.Name] = true
		if inNext[p.Name] {
			current.Pools = append(current.Pools, p)
		}
	}
	desired := planner.Desired{ControlPlane: next.controlPlane}
	for name, v := range next.pinned {
		if inBase[name] {
			if desired.Pools == nil {
				desired.Pools = map[string]planner.Version{}
			}
			desired.Pools[name] = v
		}
	}
	return current, desired
}

// hibernated reports whether the shoot is asleep: by its live status when
// the base is a Shoot Gardener reports on (a Git render has no status),
// else by the fleet's own setting.
func hibernated(base *unstructured.Unstructured, s *fleet.Shoot) bool {
	if live, err := shoot.Read(base); err == nil && (live.Status.IsHibernated || live.Status.ObservedGeneration > 0) {
		return live.Status.IsHibernated
	}
	return s.Hibernation.Enabled != nil && *s.Hibernation.Enabled
}

// catalogs hands out each shoot's catalog: the given one for its cloud
// profile, else one guessed from the versions the shoots name.
type catalogs struct {
	given   map[string]*planner.Catalog
	named   map[string][]planner.Version // versions named per profile
	guessed map[string]*planner.Catalog
}

func newCatalogs(pairs []pair, given map[string]*planner.Catalog) *catalogs {
	c := &catalogs{given: given, named: map[string][]planner.Version{}, guessed: map[string]*planner.Catalog{}}
	for _, p := range pairs {
		for _, u := range []*unstructured.Unstructured{p.base, p.next} {
			if u == nil || !isShoot(u) {
				continue
			}
			key := shootCatalogKey(u)
			if _, ok := given[key]; ok {
				continue
			}
			// A shoot that does not parse gets its error elsewhere.
			sv, _ := readVersions(u)
			if !sv.controlPlane.IsZero() {
				c.named[key] = append(c.named[key], sv.controlPlane)
			}
			for _, pool := range sv.pools {
				c.named[key] = append(c.named[key], pool.Version)
			}
		}
	}
	return c
}

func (c *catalogs) get(key string) *planner.Catalog {
	if cat, ok := c.given[key]; ok {
		return cat
	}
	if cat, ok := c.guessed[key]; ok {
		return cat
	}
	cat := guessCatalog(c.named[key])
	c.guessed[key] = cat
	return cat
}

// guessedUsed returns the profiles without a given catalog that some
// upgrade with steps was planned with, sorted.
func (c *catalogs) guessedUsed(upgrades []Upgrade) []string {
	used := map[string]bool{}
	for _, u := range upgrades {
		if _, ok := c.guessed[u.CloudProfile]; ok && len(u.Steps) > 0 {
			used[u.CloudProfile] = true
		}
	}
	return sortedKeys(used)
}

// guessCatalog lists the named versions as supported, plus a placeholder of
// unknown patch for each minor between them that none names.
func guessCatalog(named []planner.Version) *planner.Catalog {
	vs := slices.Clone(named)
	slices.SortFunc(vs, planner.Version.Compare)
	vs = slices.Compact(vs)
	out := make([]planner.ProfileVersion, 0, len(vs))
	for i, v := range vs {
		if i > 0 && vs[i-1].Major == v.Major {
			for m := vs[i-1].Minor + 1; m < v.Minor; m++ {
				out = append(out, planner.ProfileVersion{Version: planner.Version{Major: v.Major, Minor: m, Patch: unknownPatch}, Classification: planner.Supported})
			}
		}
		out = append(out, planner.ProfileVersion{Version: v, Classification: planner.Supported})
	}
	// The versions are distinct, so NewCatalog cannot fail.
	cat, _ := planner.NewCatalog(out)
	return cat
}

// keptString says why a version stays above what the fleet asks for. Only
// a live base knows that maintenance raised it; against Git, the fleet
// itself lowers a patch, which Gardener would refuse.
func keptString(k planner.Kept, live bool) string {
	if live {
		return k.String()
	}
	what := "control plane"
	if k.Pool != "" {
		what = "pool " + k.Pool
	}
	return fmt.Sprintf("%s stays at %s (the fleet lowers it to %s; a version is never downgraded)", what, k.Live, k.Desired)
}
