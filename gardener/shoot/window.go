package shoot

import (
	"fmt"
	"time"

	"github.com/gardener/gardener/pkg/apis/utils/timewindow"
)

// Window is a shoot's daily maintenance time window, read by Gardener's own
// timewindow package, in the zone the shoot wrote it in so that people read
// the times they chose.
type Window struct {
	tw  *timewindow.MaintenanceTimeWindow
	loc *time.Location
}

// MaintenanceWindow reads spec.maintenance.timeWindow; nil without one.
// Gardener's format is HHMMSS+ZONE, e.g. begin "220000+0100".
func MaintenanceWindow(s *Shoot) (*Window, error) {
	m := s.Spec.Maintenance
	if m == nil || m.TimeWindow == nil || m.TimeWindow.Begin == "" && m.TimeWindow.End == "" {
		return nil, nil
	}
	return ParseWindow(m.TimeWindow.Begin, m.TimeWindow.End)
}

// ParseWindow reads a maintenance time window from its begin and end.
func ParseWindow(begin, end string) (*Window, error) {
	tw, err := timewindow.ParseMaintenanceTimeWindow(begin, end)
	if err != nil {
		return nil, fmt.Errorf("spec.maintenance.timeWindow %q-%q: %w", begin, end, err)
	}
	// timewindow keeps UTC only; the zone is the one the begin names
	// (the same layout timewindow parses with).
	t, err := time.Parse("150405-0700", begin)
	if err != nil {
		return nil, fmt.Errorf("spec.maintenance.timeWindow begin %q: %w", begin, err)
	}
	return &Window{tw: tw, loc: t.Location()}, nil
}

// Next returns the occurrence of the window that contains t (both ends
// included, as Gardener's Contains), else the first that begins after t,
// in the window's zone.
func (w *Window) Next(t time.Time) (begin, end time.Time) {
	for d := -1; ; d++ {
		day := t.AddDate(0, 0, d)
		b, e := w.tw.AdjustedBegin(day), w.tw.AdjustedEnd(day)
		if b.After(t) || !e.Before(t) {
			return b.In(w.loc), e.In(w.loc)
		}
	}
}

// After returns the first occurrence of the window that begins after t.
func (w *Window) After(t time.Time) (begin, end time.Time) {
	b, e := w.Next(t)
	if !b.After(t) {
		b, e = w.Next(e.Add(time.Second))
	}
	return b, e
}

// String renders the window as "22:00-23:00 +0100".
func (w *Window) String() string {
	b, e := w.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	return b.Format("15:04") + "-" + e.Format("15:04 -0700")
}

// Label renders one occurrence as "Tue 22:00-23:00 +0100".
func Label(begin, end time.Time) string {
	return begin.Format("Mon 15:04") + "-" + end.Format("15:04 -0700")
}
