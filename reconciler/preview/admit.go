package preview

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/gardener/shoot"
)

// AdmitUpdateFunc judges obj as an update of old, as Gardener's API server
// would: its violations in Gardener's words, and notes on checks it skipped.
type AdmitUpdateFunc func(obj, old *unstructured.Unstructured) (violations, notes []string, err error)

// notJudgedNote says why an upgrade's steps were not judged.
const notJudgedNote = "steps through a minor no CloudProfile names are not judged by Gardener's checks"

// admitUpdates judges every changed Shoot as an update of its base, and an
// upgrading Shoot step by step: each planned step as an update of the one
// before, the first of the base. So a plan never proposes a step Gardener
// refuses, e.g. a field that becomes forbidden at the next minor. The
// planner stays pure: this wraps its steps.
func admitUpdates(pairs []pair, changed map[*unstructured.Unstructured]bool, upgrades []Upgrade, admit AdmitUpdateFunc) ([]Violation, []string) {
	byShoot := make(map[string]*Upgrade, len(upgrades))
	for i := range upgrades {
		byShoot[upgrades[i].Shoot] = &upgrades[i]
	}
	var (
		out   []Violation
		notes []string
	)
	for _, p := range pairs {
		if p.base == nil || p.next == nil || !isShoot(p.next) {
			continue
		}
		name := objectName(p.next)
		u := byShoot[name]
		if !changed[p.next] || u != nil && u.Error != "" {
			// Unchanged, or a violation of its own already.
			continue
		}
		seq, labels, err := updateSequence(p, u)
		switch {
		case err != nil:
			out = append(out, Violation{Shoot: name, Message: err.Error()})
			continue
		case seq == nil:
			notes = append(notes, notJudgedNote)
			continue
		}
		for k := 1; k < len(seq); k++ {
			vs, ns, err := admit(seq[k], seq[k-1])
			if err != nil {
				return append(out, Violation{Shoot: name, Message: labels[k] + "cannot be judged: " + err.Error()}), notes
			}
			notes = append(notes, ns...)
			for _, v := range vs {
				out = append(out, Violation{Shoot: name, Message: labels[k] + v})
			}
		}
	}
	return out, notes
}

// updateSequence is what the garden would hold of a shoot, in order: the
// base, then the object after each planned step, or the new object when no
// version moves. labels[k] names step k in messages. A nil sequence has
// steps that cannot be built (a minor with an unknown patch).
func updateSequence(p pair, u *Upgrade) ([]*unstructured.Unstructured, []string, error) {
	if u == nil || len(u.Steps) == 0 {
		return []*unstructured.Unstructured{p.base, p.next}, []string{"", ""}, nil
	}
	if len(u.MissingMinors) > 0 {
		return nil, nil, nil
	}
	base, err := shoot.Read(p.base)
	if err != nil {
		return nil, nil, fmt.Errorf("base: %w", err)
	}
	explicit := make(map[string]bool, len(base.Spec.Provider.Workers))
	for i := range base.Spec.Provider.Workers {
		w := &base.Spec.Provider.Workers[i]
		explicit[w.Name] = shoot.PoolVersion(w) != ""
	}
	seq := []*unstructured.Unstructured{p.base}
	labels := []string{""}
	for k, s := range u.Steps {
		obj, err := shoot.WithVersions(p.next, explicit, s.ControlPlane, s.Pools)
		if err != nil {
			return nil, nil, err
		}
		seq = append(seq, obj)
		labels = append(labels, fmt.Sprintf("step %d of %d (%s): ", k+1, len(u.Steps), strings.Join(s.Changes, ", ")))
	}
	return seq, labels, nil
}
