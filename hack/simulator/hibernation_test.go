package simulator

import (
	"testing"
	"time"
)

func TestHibernationAt(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	// Weekdays: hibernate at 19:00 and wake at 07:00 Berlin time. 2026-11-23 is a Monday.
	weekdays := []HibernationSchedule{{Start: s("00 19 * * 1,2,3,4,5"), End: s("00 07 * * 1,2,3,4,5"), Location: s("Europe/Berlin")}}
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, berlin) }

	tests := []struct {
		name        string
		schedules   []HibernationSchedule
		from, to    time.Time
		wantEnabled bool
		wantFired   bool
		wantErr     string
	}{
		// Nothing fired.
		{name: "no schedules", from: at(23, 18, 0), to: at(23, 20, 0)},
		{name: "before the start", schedules: weekdays, from: at(23, 18, 0), to: at(23, 18, 59)},
		{name: "start exactly at the lower bound is not in the interval", schedules: weekdays, from: at(23, 19, 0), to: at(23, 20, 0)},

		// One event fired.
		{name: "start fires", schedules: weekdays, from: at(23, 18, 59), to: at(23, 19, 0), wantEnabled: true, wantFired: true},
		{name: "end fires", schedules: weekdays, from: at(24, 6, 59), to: at(24, 7, 1), wantFired: true},
		{name: "weekend has no end", schedules: weekdays, from: at(28, 6, 0), to: at(28, 8, 0)},

		// Several fired: the latest wins.
		{name: "start then end", schedules: weekdays, from: at(23, 18, 0), to: at(24, 8, 0), wantFired: true},
		{name: "end then start", schedules: weekdays, from: at(24, 6, 0), to: at(24, 20, 0), wantEnabled: true, wantFired: true},
		{
			name:      "UTC when no location",
			schedules: []HibernationSchedule{{Start: s("00 18 * * *")}},
			// 18:00 UTC is 19:00 in Berlin in November.
			from: at(23, 18, 59), to: at(23, 19, 0), wantEnabled: true, wantFired: true,
		},
		{
			name: "second schedule fires later",
			schedules: []HibernationSchedule{
				{Start: s("00 19 * * *"), Location: s("Europe/Berlin")},
				{End: s("30 19 * * *"), Location: s("Europe/Berlin")},
			},
			from: at(23, 18, 0), to: at(23, 20, 0), wantFired: true,
		},

		// Errors.
		{name: "bad cron", schedules: []HibernationSchedule{{Start: s("00 19 *")}}, from: at(23, 18, 0), to: at(23, 20, 0),
			wantErr: `schedule 0: parse "00 19 *": expected exactly 5 fields, found 3: [00 19 *]`},
		{name: "bad location", schedules: []HibernationSchedule{{Start: s("00 19 * * *"), Location: s("Mars/Base")}}, from: at(23, 18, 0), to: at(23, 20, 0),
			wantErr: `schedule 0: load location: unknown time zone Mars/Base`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enabled, fired, err := HibernationAt(tt.schedules, tt.from, tt.to)
			if got := errString(err); got != tt.wantErr {
				t.Fatalf("error = %q, want %q", got, tt.wantErr)
			}
			if enabled != tt.wantEnabled || fired != tt.wantFired {
				t.Errorf("HibernationAt = (enabled %t, fired %t), want (%t, %t)", enabled, fired, tt.wantEnabled, tt.wantFired)
			}
		})
	}
}

func TestNextHibernationEvent(t *testing.T) {
	s := func(v string) *string { return &v }
	schedules := []HibernationSchedule{{Start: s("00 19 * * *"), End: s("00 07 * * *")}}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	got, err := NextHibernationEvent(schedules, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("next event = %s, want %s", got, want)
	}
	if got, _ := NextHibernationEvent(nil, now); !got.IsZero() {
		t.Errorf("next event without schedules = %s, want zero", got)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
