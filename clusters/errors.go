package clusters

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// ObjectError is a failed operation on one object. Its message begins with
// the object and the operation: "Shoot/garden-dev/a apply: ...".
type ObjectError struct {
	// Ref is the object.
	Ref inventory.Ref
	// Op is the operation: "apply", "dry-run", "get", "confirm deletion",
	// "delete" or "wait".
	Op string
	// Err is the cause, often an API status error.
	Err error
}

// Error implements error.
func (e *ObjectError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Ref, e.Op, causeMessage(e.Err))
}

// Unwrap returns the cause.
func (e *ObjectError) Unwrap() error { return e.Err }

// ImmutableFieldError is an apply the API server refused because it changes
// an immutable field (spec.region, spec.networking.type, a workerless shoot
// gaining workers, ...). gardenfleet never deletes and recreates the object to
// get around it: the fleet must be changed back, or the object replaced by
// hand.
type ImmutableFieldError struct {
	// Ref is the object.
	Ref inventory.Ref
	// Err is the API server's refusal.
	Err error
}

// Error implements error.
func (e *ImmutableFieldError) Error() string {
	return fmt.Sprintf("%s apply: immutable field changed, not recreating the object: %s", e.Ref, causeMessage(e.Err))
}

// Unwrap returns the API server's refusal.
func (e *ImmutableFieldError) Unwrap() error { return e.Err }

// causeMessage is the API server's own message when there is one: the
// wrapping layers of ssa repeat the object name.
func causeMessage(err error) string {
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

// isImmutable reports whether the API server refused a change to an
// immutable field: validation ("field is immutable") or a CEL transition rule
// ("Value is immutable"). Unlike ssa's IsImmutableError it does not count every
// Invalid or Conflict as immutable.
func isImmutable(err error) bool {
	var se *apierrors.StatusError
	if !errors.As(err, &se) {
		return false
	}
	if !apierrors.IsInvalid(se) && !apierrors.IsForbidden(se) && !apierrors.IsBadRequest(se) {
		return false
	}
	return strings.Contains(strings.ToLower(se.Error()), "immutable")
}

// applyError types an apply failure of ref.
func applyError(ref inventory.Ref, op string, err error) error {
	if isImmutable(err) {
		return &ImmutableFieldError{Ref: ref, Err: err}
	}
	return &ObjectError{Ref: ref, Op: op, Err: err}
}
