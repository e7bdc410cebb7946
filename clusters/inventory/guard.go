package inventory

import (
	"errors"
	"fmt"
	"strings"
)

// ShootGroup and ShootKind identify Gardener Shoots, which the guard counts.
const (
	ShootGroup = "core.gardener.cloud"
	ShootKind  = "Shoot"
)

// ErrDeletionRefused is matched (errors.Is) by every *DeletionRefusedError.
var ErrDeletionRefused = errors.New("deletion refused")

// GuardOptions bounds what one prune may delete.
type GuardOptions struct {
	// AllowShootDeletion must be true for any Shoot to be pruned; it mirrors
	// the fleet's own setting.
	AllowShootDeletion bool
	// MaxShootPercent is the largest share, in percent (0 to 100), of the
	// shoots in the old inventory one prune may delete; at least one shoot is
	// always allowed when AllowShootDeletion is set, so small fleets can drop
	// a shoot. The Fleet API owns its default.
	MaxShootPercent int
}

// DefaultGuardOptions returns options that refuse any shoot deletion.
func DefaultGuardOptions() GuardOptions {
	return GuardOptions{}
}

// DeletionRefusedError says why a prune was refused and which shoots it would
// have deleted.
type DeletionRefusedError struct {
	// Shoots are the shoots the prune would delete, sorted.
	Shoots []Ref
	// Total is the number of shoots in the old inventory.
	Total int
	// Limit is how many shoots the guard would have allowed; 0 when shoot
	// deletion is not allowed at all.
	Limit int
	// Reason says which rule refused.
	Reason string
}

// Error implements error.
func (e *DeletionRefusedError) Error() string {
	return fmt.Sprintf("refusing to prune %d of %d shoots (%s): %s", len(e.Shoots), e.Total, refList(e.Shoots, 5), e.Reason)
}

// Is makes errors.Is(err, ErrDeletionRefused) true.
func (e *DeletionRefusedError) Is(target error) bool { return target == ErrDeletionRefused }

// GuardDeletion decides whether pruning old down to desired may go ahead.
// It refuses, with a *DeletionRefusedError, when the prune would delete any
// shoot and shoot deletion is not allowed, or more shoots than the allowed
// share of the old inventory's. A shoot counts as deleted when it is stale or
// when its Namespace is: pruning a Namespace takes its shoots with it.
// So a broken or emptied commit never deletes a fleet.
func GuardDeletion(old, desired Inventory, opts GuardOptions) error {
	stale := Diff(old, desired)
	want := desired.keys()
	staleNS := map[string]bool{}
	for _, r := range stale.Entries {
		if r.Group == "" && r.Kind == "Namespace" {
			staleNS[r.Name] = true
		}
	}
	total := 0
	var doomed []Ref
	for _, r := range old.Entries {
		if r.Group != ShootGroup || r.Kind != ShootKind {
			continue
		}
		total++
		if staleNS[r.Namespace] || !want[r.key()] {
			doomed = append(doomed, r)
		}
	}
	if len(doomed) == 0 {
		return nil
	}
	if !opts.AllowShootDeletion {
		return &DeletionRefusedError{Shoots: doomed, Total: total,
			Reason: "the fleet does not allow shoot deletion"}
	}
	limit := max(1, opts.MaxShootPercent*total/100)
	if len(doomed) > limit {
		return &DeletionRefusedError{Shoots: doomed, Total: total, Limit: limit,
			Reason: fmt.Sprintf("more than %d%% of the fleet's shoots (at most %d) in one revision", opts.MaxShootPercent, limit)}
	}
	return nil
}

// refList names up to n refs and counts the rest.
func refList(refs []Ref, n int) string {
	names := make([]string, 0, min(len(refs), n))
	for _, r := range refs[:min(len(refs), n)] {
		names = append(names, r.String())
	}
	s := strings.Join(names, ", ")
	if len(refs) > n {
		s += fmt.Sprintf(" and %d more", len(refs)-n)
	}
	return s
}
