package planner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStepStart(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	// daily 21:00-22:00 UTC
	daily := func(t time.Time) (time.Time, time.Time) {
		b := time.Date(t.Year(), t.Month(), t.Day(), 21, 0, 0, 0, time.UTC)
		if t.After(b.Add(time.Hour)) {
			b = b.AddDate(0, 0, 1)
		}
		return b, b.Add(time.Hour)
	}
	type result struct {
		Start, Begin, End time.Time
		Open              bool
	}
	tests := []struct {
		name   string
		window Window
		now    time.Time
		want   result
	}{
		{name: "no window: now", now: day.Add(12 * time.Hour), want: result{Start: day.Add(12 * time.Hour), Open: true}},
		{name: "before the window: its begin", window: daily, now: day.Add(12 * time.Hour),
			want: result{Start: day.Add(21 * time.Hour), Begin: day.Add(21 * time.Hour), End: day.Add(22 * time.Hour)}},
		{name: "at its begin: now", window: daily, now: day.Add(21 * time.Hour),
			want: result{Start: day.Add(21 * time.Hour), Begin: day.Add(21 * time.Hour), End: day.Add(22 * time.Hour), Open: true}},
		{name: "inside: now", window: daily, now: day.Add(21*time.Hour + 59*time.Minute),
			want: result{Start: day.Add(21*time.Hour + 59*time.Minute), Begin: day.Add(21 * time.Hour), End: day.Add(22 * time.Hour), Open: true}},
		{name: "after it: the next day's", window: daily, now: day.Add(22*time.Hour + time.Minute),
			want: result{Start: day.Add(45 * time.Hour), Begin: day.Add(45 * time.Hour), End: day.Add(46 * time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got result
			got.Start, got.Begin, got.End, got.Open = StepStart(tt.window, tt.now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("StepStart (-want +got):\n%s", diff)
			}
		})
	}
}
