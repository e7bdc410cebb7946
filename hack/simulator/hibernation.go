package simulator

import (
	"fmt"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/robfig/cron/v3"
)

// HibernationSchedule is one entry of spec.hibernation.schedules.
type HibernationSchedule = gardencorev1beta1.HibernationSchedule

// maxLookback bounds how far back schedules are replayed, so a long-stopped simulator does
// not walk a minutely cron over months.
const maxLookback = 7 * 24 * time.Hour

// HibernationAt tells what the schedules want spec.hibernation.enabled to be after the
// interval (from, to]: the most recent start or end that fired in it wins, as with
// Gardener's hibernation controller. ok is false when nothing fired. Cron specs use
// robfig/cron's standard parser and the schedule's location (UTC when empty).
func HibernationAt(schedules []HibernationSchedule, from, to time.Time) (enabled, ok bool, err error) {
	if to.Sub(from) > maxLookback {
		from = to.Add(-maxLookback)
	}
	var latest time.Time
	for i, s := range schedules {
		loc := time.UTC
		if s.Location != nil && *s.Location != "" {
			if loc, err = time.LoadLocation(*s.Location); err != nil {
				return false, false, fmt.Errorf("schedule %d: load location: %w", i, err)
			}
		}
		for _, e := range []struct {
			spec  *string
			start bool
		}{{s.Start, true}, {s.End, false}} {
			if e.spec == nil {
				continue
			}
			sched, err := cron.ParseStandard(*e.spec)
			if err != nil {
				return false, false, fmt.Errorf("schedule %d: parse %q: %w", i, *e.spec, err)
			}
			fired := lastFire(sched, from.In(loc), to)
			// On a tie the start wins: when both fire at once, hibernating is the cautious outcome.
			if !fired.IsZero() && (fired.After(latest) || (fired.Equal(latest) && e.start)) {
				latest, enabled, ok = fired, e.start, true
			}
		}
	}
	return enabled, ok, nil
}

// NextHibernationEvent returns the first time after t at which any schedule fires, or the
// zero time when none will.
func NextHibernationEvent(schedules []HibernationSchedule, t time.Time) (time.Time, error) {
	var next time.Time
	for i, s := range schedules {
		loc := time.UTC
		if s.Location != nil && *s.Location != "" {
			var err error
			if loc, err = time.LoadLocation(*s.Location); err != nil {
				return time.Time{}, fmt.Errorf("schedule %d: load location: %w", i, err)
			}
		}
		for _, spec := range []*string{s.Start, s.End} {
			if spec == nil {
				continue
			}
			sched, err := cron.ParseStandard(*spec)
			if err != nil {
				return time.Time{}, fmt.Errorf("schedule %d: parse %q: %w", i, *spec, err)
			}
			if n := sched.Next(t.In(loc)); !n.IsZero() && (next.IsZero() || n.Before(next)) {
				next = n
			}
		}
	}
	return next, nil
}

// lastFire returns the last time in (from, to] at which sched fires, or zero.
func lastFire(sched cron.Schedule, from, to time.Time) time.Time {
	var last time.Time
	for t := sched.Next(from); !t.IsZero() && !t.After(to); t = sched.Next(t) {
		last = t
	}
	return last
}
