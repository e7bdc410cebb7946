// Package bounded evaluates a fleet repo in a child process under a time and
// memory limit.
//
// CUE evaluation cannot be cancelled, and a hostile fleet can make it run for
// hours or allocate more than the machine has in one step (a nested
// strings.Repeat asks for a terabyte at once, which the Go runtime answers
// with a fatal error no recover catches). Only a process of its own can be
// stopped and survived: Check re-executes the current binary as a child that
// loads and renders the fleet, and kills it when a limit is passed. Every
// binary whose code calls Check must call Main first thing in main (and in
// TestMain of a test binary).
//
// Load is the one owner of loading and rendering a fleet, for the CLI, the
// daemon and a plan's base alike: Check in the child, then the load and
// render of a fleet that passed. Its verdicts are typed (IsRefused); an
// invalid fleet is an *InvalidError, printed one way everywhere.
package bounded

import (
	"fmt"
	"time"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// Limits bound the evaluation of one fleet.
type Limits struct {
	// Time bounds the child's run; zero leaves it to the caller's context.
	Time time.Duration
	// Memory bounds the child's heap and stacks, in bytes.
	Memory int64
	// Objects and OutputBytes bound what the fleet renders: the number of
	// objects, and their size encoded as JSON plus the lab files'.
	Objects     int
	OutputBytes int64
}

// Defaults. A 5,000-shoot fleet (hack/genfleet) takes 6 s and 160 MB of RSS
// to load and render on a 2-core machine and renders 5,020 objects, 6.7 MB of
// YAML: the defaults leave a margin of 10 to 20 times, so only a runaway
// fleet meets them.
const (
	DefaultTime        = 2 * time.Minute
	DefaultMemory      = 2 << 30
	DefaultObjects     = 50000
	DefaultOutputBytes = 64 << 20
)

// DefaultLimits returns the limits gardenfleet runs with unless told otherwise.
func DefaultLimits() Limits {
	return Limits{Time: DefaultTime, Memory: DefaultMemory, Objects: DefaultObjects, OutputBytes: DefaultOutputBytes}
}

// withDefaults fills the limits left zero, except Time.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Memory <= 0 {
		l.Memory = d.Memory
	}
	if l.Objects <= 0 {
		l.Objects = d.Objects
	}
	if l.OutputBytes <= 0 {
		l.OutputBytes = d.OutputBytes
	}
	return l
}

// Kind is the limit a LimitError is about.
type Kind string

// The limits.
const (
	KindTime    Kind = "time"
	KindMemory  Kind = "memory"
	KindObjects Kind = "objects"
	KindOutput  Kind = "output"
)

// LimitError is a fleet that passed one of its Limits: a verdict on the
// fleet, like an invalid one.
type LimitError struct {
	Kind  Kind
	Limit int64 // nanoseconds, bytes or objects, by Kind
}

func (e *LimitError) Error() string {
	switch e.Kind {
	case KindTime:
		return fmt.Sprintf("evaluating the fleet took longer than %s", time.Duration(e.Limit))
	case KindMemory:
		return fmt.Sprintf("evaluating the fleet needed more than %s of memory", FormatBytes(e.Limit))
	case KindObjects:
		return fmt.Sprintf("the fleet renders more than %d objects", e.Limit)
	default:
		return fmt.Sprintf("the objects the fleet renders take more than %s", FormatBytes(e.Limit))
	}
}

// EvalError is any other failure of loading or rendering the fleet in the
// child (a kustomize overlay it cannot use, a panic): its message as the
// in-process run gives it.
type EvalError struct {
	Msg string
}

func (e *EvalError) Error() string { return e.Msg }

// CrashError is a child that died without a verdict: a fatal error of the
// Go runtime other than running out of memory, or a signal it did not get
// from Check. The input caused it, so it is a verdict too.
type CrashError struct {
	Status string // how the child ended: "exit status 2", "signal: killed"
	Detail string // the first line of what it wrote to stderr
}

func (e *CrashError) Error() string {
	msg := "evaluating the fleet failed: child " + e.Status
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Summary counts what a fleet that passed holds.
type Summary struct {
	Projects, Shoots, Workerless, Labs, Objects int
	// Warnings are the fleet's warnings, file names relative to the
	// working directory.
	Warnings []fleet.Issue
	// Notes say which of Gardener's checks were skipped and why.
	Notes []string
}

// FormatBytes writes n as whole GiB, MiB or KiB when it is one, else in
// bytes.
func FormatBytes(n int64) string {
	for _, u := range []struct {
		unit string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.unit)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
