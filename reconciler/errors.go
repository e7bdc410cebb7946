package reconciler

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/gardenfleet/gardenfleet/clusters"
)

// phaseError is a failed phase: the Reason it sets on the Ready condition and
// whether it is terminal. A terminal error stalls the Fleet: it is not retried
// with backoff, only looked at again once the spec or the revision changes.
// Any other error is transient and returned, so the controller backs off.
type phaseError struct {
	reason   string
	terminal bool
	err      error
}

func (e *phaseError) Error() string { return e.err.Error() }
func (e *phaseError) Unwrap() error { return e.err }

// terminal marks err as a configuration problem that retrying cannot fix.
func terminal(reason string, err error) error {
	return &phaseError{reason: reason, terminal: true, err: err}
}

// transient marks err as one that may go away by itself: retry with backoff.
func transient(reason string, err error) error {
	return &phaseError{reason: reason, err: err}
}

// isTerminal reports whether err, or any error it wraps, is terminal.
func isTerminal(err error) bool {
	var pe *phaseError
	return errors.As(err, &pe) && pe.terminal
}

// reasonOf returns the Reason of the phase that failed with err.
func reasonOf(err error) string {
	var pe *phaseError
	if errors.As(err, &pe) {
		return pe.reason
	}
	return ProgressingWithRetryReason
}

// applyErrorIsTerminal tells whether every object an apply failed on was
// refused for what it says (an immutable field changed, a rule of the API
// server broken) rather than for a passing cause: the fleet must change
// before applying again can help.
func applyErrorIsTerminal(err error) bool {
	leaves := flatten(err)
	if len(leaves) == 0 {
		return false
	}
	for _, e := range leaves {
		var imm *clusters.ImmutableFieldError
		if !errors.As(e, &imm) && !apierrors.IsInvalid(e) {
			return false
		}
	}
	return true
}

// flatten returns the errors joined in err (errors.Join), recursively.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}

// maxListedErrors bounds the object errors a status message lists one by one.
const maxListedErrors = 5

// summarize keeps the first max of the errors joined in err and counts the
// rest, so a fleet failing on every object still has a readable status.
// errors.Is and errors.As see the ones kept.
func summarize(err error, max int) error {
	leaves := flatten(err)
	if len(leaves) <= max {
		return err
	}
	kept := append(leaves[:max:max], fmt.Errorf("and %d more", len(leaves)-max))
	return errors.Join(kept...)
}
