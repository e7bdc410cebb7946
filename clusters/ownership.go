package clusters

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/gardener/keep"
)

// Gardener's Shoot API group and kind.
const (
	ShootGroup = "core.gardener.cloud"
	ShootKind  = "Shoot"
)

// Note reports a field of the desired object that PreserveGardenerOwned
// changed, so the caller can surface it (status, events, logs).
type Note struct {
	// Object is "Kind/namespace/name".
	Object string
	// Path is the field, e.g. "spec.provider.workers[name=pool-a].machine.image.version".
	Path string
	// Desired is the fleet's value; empty when the field was dropped.
	Desired string
	// Live is the cluster's value, which is kept.
	Live string
	// Reason says why the fleet's value is not applied.
	Reason string
}

// String renders the note as one line.
func (n Note) String() string {
	if n.Live == "" {
		return fmt.Sprintf("%s %s: dropped %s: %s", n.Object, n.Path, n.Desired, n.Reason)
	}
	return fmt.Sprintf("%s %s: kept %s over desired %s: %s", n.Object, n.Path, n.Live, n.Desired, n.Reason)
}

// reasonHibernation is the reason of the note on spec.hibernation.enabled;
// version notes give keep's reasons.
const reasonHibernation = "gardener's hibernation controller owns it while hibernation schedules exist"

// PreserveGardenerOwned adjusts a desired Shoot so that applying it does not
// undo what Gardener's own controllers wrote. live may be nil (not created
// yet). Objects other than Shoots are returned unchanged. The desired object
// is never modified: when something changes a copy is returned.
//
// Ownership rules (see the package documentation):
//   - spec.kubernetes.version, spec.provider.workers[].kubernetes.version and
//     spec.provider.workers[].machine.image.version: when the live value is a
//     newer version than the desired one, the live value is kept. A newer
//     patch of the same minor is maintenance's auto-update; a newer minor is
//     a forced update of an expired version. Either way Gardener forbids a
//     downgrade, so pushing the older value back could only fail.
//   - spec.hibernation.enabled: dropped from the desired object whenever
//     spec.hibernation.schedules is non-empty, so gardenfleet never owns it
//     and the hibernation controller can flip it.
//
// Values that do not parse as versions are left alone.
func PreserveGardenerOwned(desired, live *unstructured.Unstructured) (*unstructured.Unstructured, []Note) {
	if !isShoot(desired) {
		return desired, nil
	}
	// Look first, copy only to change: most Shoots need nothing, and a pass
	// goes through all of them.
	if len(gardenerOwned(desired, live, false)) == 0 {
		return desired, nil
	}
	out := desired.DeepCopy()
	return out, gardenerOwned(out, live, true)
}

// gardenerOwned returns the notes of PreserveGardenerOwned's rules for out,
// and with write makes the changes in out.
func gardenerOwned(out, live *unstructured.Unstructured, write bool) []Note {
	id := objectString(out)
	var notes []Note

	if live != nil {
		if n, ok := keepNewerVersion(out.Object, live.Object, "spec.kubernetes.version",
			[]string{"spec", "kubernetes", "version"}, write); ok {
			n.Object = id
			notes = append(notes, n)
		}
		notes = append(notes, preserveWorkers(out, live, id, write)...)
	}

	schedules, _, _ := unstructured.NestedSlice(out.Object, "spec", "hibernation", "schedules")
	if enabled, found, _ := unstructured.NestedFieldNoCopy(out.Object, "spec", "hibernation", "enabled"); found && len(schedules) > 0 {
		if write {
			unstructured.RemoveNestedField(out.Object, "spec", "hibernation", "enabled")
		}
		notes = append(notes, Note{Object: id, Path: "spec.hibernation.enabled", Desired: fmt.Sprint(enabled), Reason: reasonHibernation})
	}

	return notes
}

// preserveWorkers applies the version rule to every desired pool that also
// exists live, matched by name; out is changed only with write.
func preserveWorkers(out, live *unstructured.Unstructured, id string, write bool) []Note {
	desiredPools, found, _ := unstructured.NestedSlice(out.Object, "spec", "provider", "workers")
	if !found {
		return nil
	}
	livePools, _, _ := unstructured.NestedSlice(live.Object, "spec", "provider", "workers")
	liveByName := map[string]map[string]any{}
	for _, p := range livePools {
		if m, ok := p.(map[string]any); ok {
			if name, ok := m["name"].(string); ok {
				liveByName[name] = m
			}
		}
	}

	var notes []Note
	changed := false
	for i, p := range desiredPools {
		pool, ok := p.(map[string]any)
		if !ok {
			continue
		}
		name, _ := pool["name"].(string)
		lp, ok := liveByName[name]
		if !ok {
			continue
		}
		for _, f := range [][]string{{"kubernetes", "version"}, {"machine", "image", "version"}} {
			path := fmt.Sprintf("spec.provider.workers[name=%s].%s", name, joinPath(f))
			if n, ok := keepNewerVersion(pool, lp, path, f, write); ok {
				n.Object = id
				notes = append(notes, n)
				changed = true
			}
		}
		desiredPools[i] = pool
	}
	if changed && write {
		// NestedSlice returned a deep copy; write the adjusted pools back.
		_ = unstructured.SetNestedSlice(out.Object, desiredPools, "spec", "provider", "workers")
	}
	return notes
}

// keepNewerVersion reports when keep.Live keeps live's version over
// desired's field, and with write sets the field to live's.
func keepNewerVersion(desired, live map[string]any, path string, fields []string, write bool) (Note, bool) {
	dv, _, _ := unstructured.NestedString(desired, fields...)
	lv, _, _ := unstructured.NestedString(live, fields...)
	verdict := keep.Live(dv, lv)
	if !verdict.Keep() {
		return Note{}, false
	}
	if write {
		_ = unstructured.SetNestedField(desired, lv, fields...)
	}
	return Note{Path: path, Desired: dv, Live: lv, Reason: verdict.Reason()}, true
}

func joinPath(fields []string) string {
	s := fields[0]
	for _, f := range fields[1:] {
		s += "." + f
	}
	return s
}
