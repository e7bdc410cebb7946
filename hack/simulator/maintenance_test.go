package simulator

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewestPatch(t *testing.T) {
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	future := now.Add(time.Hour)
	versions := []CloudProfileVersion{
		{Version: "1.37.2", Classification: "preview"},
		{Version: "1.37.1", Classification: "supported"},
		{Version: "1.36.4", Classification: "supported"},
		{Version: "1.36.3", Classification: "deprecated", ExpirationDate: &future},
		{Version: "1.35.7", Classification: "deprecated", ExpirationDate: &past},
		{Version: "1.35.6", Classification: "supported"},
		{Version: "1.34.9", Classification: "expired"},
		{Version: "1.34.8", Classification: "supported"},
		{Version: "1.33.10", Classification: "unavailable"},
	}
	tests := []struct {
		name, current, want, wantErr string
	}{
		{name: "newest supported patch", current: "1.36.3", want: "1.36.4"},
		{name: "already newest", current: "1.36.4", want: "1.36.4"},
		{name: "never to a preview", current: "1.37.1", want: "1.37.1"},
		{name: "never to a version past its expiration date", current: "1.35.5", want: "1.35.6"},
		{name: "never to an expired one", current: "1.34.7", want: "1.34.8"},
		{name: "never to an unavailable one", current: "1.33.9", want: "1.33.9"},
		{name: "never down", current: "1.36.9", want: "1.36.9"},
		{name: "not a version", current: "1.36", wantErr: `parse version "1.36": invalid semantic version`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewestPatch(versions, tt.current, now)
			if errString(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errString(err), tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NewestPatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInMaintenanceWindow(t *testing.T) {
	utc := func(h, m int) time.Time { return time.Date(2026, 11, 24, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name       string
		begin, end string
		t          time.Time
		wantIn     bool
		wantStart  time.Time
		wantErr    string
	}{
		{name: "inside", begin: "220000+0000", end: "230000+0000", t: utc(22, 30), wantIn: true, wantStart: utc(22, 0)},
		{name: "at the begin", begin: "220000+0000", end: "230000+0000", t: utc(22, 0), wantIn: true, wantStart: utc(22, 0)},
		{name: "at the end is outside", begin: "220000+0000", end: "230000+0000", t: utc(23, 0)},
		{name: "before", begin: "220000+0000", end: "230000+0000", t: utc(21, 59)},
		// 22:00+0100 is 21:00 UTC.
		{name: "offset", begin: "220000+0100", end: "230000+0100", t: utc(21, 30), wantIn: true, wantStart: utc(21, 0)},
		{name: "across midnight, after it", begin: "230000+0000", end: "010000+0000", t: utc(0, 30), wantIn: true, wantStart: utc(23, 0).AddDate(0, 0, -1)},
		{name: "across midnight, before it", begin: "230000+0000", end: "010000+0000", t: utc(23, 30), wantIn: true, wantStart: utc(23, 0)},
		{name: "bad time", begin: "2200+0000", end: "230000+0000", t: utc(22, 30), wantErr: `parse maintenance time "2200+0000": want HHMMSS+ZZZZ`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, start, err := InMaintenanceWindow(tt.begin, tt.end, tt.t)
			if errString(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errString(err), tt.wantErr)
			}
			if in != tt.wantIn || !start.Equal(tt.wantStart) {
				t.Errorf("InMaintenanceWindow = (%t, %s), want (%t, %s)", in, start, tt.wantIn, tt.wantStart)
			}
		})
	}
}
