package planner

import "time"

// Window is a daily time window, e.g. a shoot's maintenance time window.
// Given a time it returns the occurrence that contains it (both ends
// included), else the first one that begins after it. Implementations:
//   - end is after begin, and begin is at most t when t is inside;
//   - two calls with the same t give the same occurrence.
//
// Gardener's own parsing lives with the Shoot reader (gardener/shoot.Window.Next).
type Window func(t time.Time) (begin, end time.Time)

// StepStart decides when a version step may start at now: right away
// (open) when no window confines it or now is inside an occurrence, else at
// the begin of the next one. begin and end are that occurrence; both are
// zero without a window. Several steps fit in one occurrence: each asks
// again once the one before is confirmed.
func StepStart(w Window, now time.Time) (start, begin, end time.Time, open bool) {
	if w == nil {
		return now, time.Time{}, time.Time{}, true
	}
	begin, end = w(now)
	if begin.After(now) {
		return begin, begin, end, false
	}
	return now, begin, end, true
}
