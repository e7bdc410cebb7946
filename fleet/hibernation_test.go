package fleet

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWindowsToSchedules(t *testing.T) {
	t.Parallel()
	days := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []struct {
		name     string
		windows  []window
		location string
		want     []Schedule
		wantErr  string
	}{
		{
			name: "nights and weekends give Gardener's own example",
			windows: []window{
				{Days: days(`"daily"`), Start: "19:00", End: "07:00"},
				{Days: days(`"weekends"`)},
			},
			location: "Europe/Berlin",
			want:     []Schedule{{Start: "00 19 * * 1,2,3,4,5", End: "00 07 * * 1,2,3,4,5", Location: "Europe/Berlin"}},
		},
		{
			name:    "weekday nights cross midnight into the next day",
			windows: []window{{Days: days(`"weekdays"`), Start: "19:00", End: "07:00"}},
			want:    []Schedule{{Start: "00 19 * * 1,2,3,4,5", End: "00 07 * * 2,3,4,5,6"}},
		},
		{
			name:    "sunday night wraps to monday",
			windows: []window{{Days: days(`["sun"]`), Start: "22:30", End: "01:15"}},
			want:    []Schedule{{Start: "30 22 * * 0", End: "15 01 * * 1"}},
		},
		{
			name:    "whole weekend is one interval",
			windows: []window{{Days: days(`"weekends"`)}},
			want:    []Schedule{{Start: "00 00 * * 6", End: "00 00 * * 1"}},
		},
		{
			name: "distinct times become separate schedules, earliest first",
			windows: []window{
				{Days: days(`["mon"]`), Start: "18:00", End: "20:00"},
				{Days: days(`["tue"]`), Start: "17:00", End: "21:00"},
			},
			want: []Schedule{{Start: "00 17 * * 2", End: "00 20 * * 1"}, {Start: "00 18 * * 1", End: "00 21 * * 2"}},
		},
		{
			name: "overlapping windows merge instead of waking early",
			windows: []window{
				{Days: days(`["fri"]`), Start: "18:00", End: "23:00"},
				{Days: days(`["fri"]`), Start: "20:00", End: "24:00"},
			},
			want: []Schedule{{Start: "00 18 * * 5", End: "00 00 * * 6"}},
		},
		{
			name: "time zones are kept apart",
			windows: []window{
				{Days: days(`["mon"]`), Start: "01:00", End: "02:00", Location: "Asia/Tokyo"},
				{Days: days(`["mon"]`), Start: "03:00", End: "04:00"},
			},
			location: "Europe/Berlin",
			want: []Schedule{
				{Start: "00 01 * * 1", End: "00 02 * * 1", Location: "Asia/Tokyo"},
				{Start: "00 03 * * 1", End: "00 04 * * 1", Location: "Europe/Berlin"},
			},
		},
		// errors
		{name: "unknown day", windows: []window{{Days: days(`["mon","funday"]`)}}, wantErr: `window 1: unknown day "funday": use mon..sun`},
		{name: "day twice", windows: []window{{Days: days(`["mon","mon"]`)}}, wantErr: `window 1: day "mon" is listed twice`},
		{name: "start at 24:00", windows: []window{{Days: days(`"daily"`), Start: "24:00"}}, wantErr: `window 1: start 24:00: write 00:00 of the next day`},
		{name: "whole week", windows: []window{{Days: days(`"weekdays"`)}, {Days: days(`"weekends"`)}}, location: "Europe/Berlin",
			wantErr: `windows cover the whole week (Europe/Berlin): set hibernation.enabled: true instead`},
		{name: "unknown zone", windows: []window{{Days: days(`"daily"`), Start: "01:00", Location: "Mars/Olympus"}}, wantErr: `window 1: unknown time zone "Mars/Olympus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := windowsToSchedules(tt.windows, tt.location)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("schedules (-want +got):\n%s", diff)
			}
			if msgs := CheckSchedules(got); len(msgs) > 0 {
				t.Errorf("rendered schedules fail Gardener's checks: %v", msgs)
			}
		})
	}
}
