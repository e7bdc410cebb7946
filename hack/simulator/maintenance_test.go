package simulator

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMaintainedVersion(t *testing.T) {
	// Gardener's helpers judge expiry by the wall clock.
	past := metav1.NewTime(time.Now().Add(-time.Hour))
	future := metav1.NewTime(time.Now().Add(24 * time.Hour))
	class := func(c gardencorev1beta1.VersionClassification) *gardencorev1beta1.VersionClassification { return &c }
	versions := []gardencorev1beta1.ExpirableVersion{
		{Version: "1.37.2", Classification: class(gardencorev1beta1.ClassificationPreview)},
		{Version: "1.37.1", Classification: class(gardencorev1beta1.ClassificationSupported)},
		{Version: "1.36.4", Classification: class(gardencorev1beta1.ClassificationSupported)},
		{Version: "1.36.3", Classification: class(gardencorev1beta1.ClassificationDeprecated), ExpirationDate: &future},
		{Version: "1.36.2", Classification: class(gardencorev1beta1.ClassificationDeprecated), ExpirationDate: &past},
		{Version: "1.35.7", Classification: class(gardencorev1beta1.ClassificationDeprecated), ExpirationDate: &past},
		{Version: "1.35.6", Classification: class(gardencorev1beta1.ClassificationSupported)},
		{Version: "1.34.9", Classification: class(gardencorev1beta1.ClassificationDeprecated), ExpirationDate: &past},
		{Version: "1.33.10", Classification: class(gardencorev1beta1.ClassificationDeprecated), ExpirationDate: &past},
	}
	tests := []struct {
		name, current string
		autoUpdate    bool
		want, wantErr string
	}{
		{name: "newest supported patch", current: "1.36.3", autoUpdate: true, want: "1.36.4"},
		{name: "no auto-update, not expired: stays", current: "1.36.3", want: "1.36.3"},
		{name: "already newest", current: "1.36.4", autoUpdate: true, want: "1.36.4"},
		{name: "never to a preview", current: "1.37.1", autoUpdate: true, want: "1.37.1"},
		{name: "never to a version past its expiration date", current: "1.35.5", autoUpdate: true, want: "1.35.6"},
		{name: "expired, newest of its minor: forced to the next minor even without auto-update", current: "1.35.7", want: "1.36.4"},
		{name: "expired, newest of its minor, auto-update: forced to the next minor", current: "1.35.7", autoUpdate: true, want: "1.36.4"},
		{name: "expired with a newer patch, no auto-update: the newer patch", current: "1.36.2", want: "1.36.4"},
		{name: "expired, next minor only expired: its newest expired one", current: "1.33.10", want: "1.34.9"},
		{name: "not in the CloudProfile: forced", current: "1.34.1", want: "1.35.6"},
		{name: "expired with no next minor", current: "1.34.9", want: "1.35.6"},
		{name: "not a version", current: "1.x", wantErr: `maintain version 1.x: failed to determine a higher patch version for automatic update: invalid semantic version`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MaintainedVersion(versions, tt.current, tt.autoUpdate)
			if errString(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errString(err), tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MaintainedVersion (-want +got):\n%s", diff)
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
