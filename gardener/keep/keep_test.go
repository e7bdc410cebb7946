package keep_test

import (
	"testing"

	"github.com/gardenfleet/gardenfleet/gardener/keep"
)

// TestLive documents the rule: a live version newer than the fleet's is
// kept, whether maintenance raised its patch or force-updated its minor.
func TestLive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desired, live string
		want          keep.Verdict
	}{
		{"1.33.4", "1.33.4", keep.Desired},
		{"1.33.5", "1.33.4", keep.Desired},           // the fleet upgrades
		{"1.34.0", "1.33.9", keep.Desired},           // the fleet upgrades a minor
		{"1.33.4", "1.33.5", keep.Patch},             // maintenance raised the patch
		{"1.33.9", "1.34.1", keep.Minor},             // forced update of an expired 1.33
		{"1.33.9", "2.0.0", keep.Minor},              // a major counts as a minor
		{"v1.33.4", "1.33.5", keep.Patch},            // a leading v
		{"1.33", "1.33.1", keep.Patch},               // a missing patch is 0
		{"1.33.4", "1.33.4-rc.1", keep.Desired},      // a pre-release is older
		{"1.33.4-rc.1", "1.33.4", keep.Patch},        // ... and the release newer
		{"3.0.20250101", "3.0.20250301", keep.Patch}, // machine image versions
		{"1.33.4", "", keep.Desired},                 // nothing live
		{"", "1.33.4", keep.Desired},                 // nothing desired: not ours
		{"latest", "1.33.4", keep.Desired},           // not a version: Gardener answers
		{"1.33.4", "newest", keep.Desired},
	}
	for _, tt := range tests {
		if got := keep.Live(tt.desired, tt.live); got != tt.want {
			t.Errorf("Live(%q, %q) = %v, want %v", tt.desired, tt.live, got, tt.want)
		}
	}
}

func TestReason(t *testing.T) {
	t.Parallel()
	for v, want := range map[keep.Verdict]string{
		keep.Desired: "",
		keep.Patch:   "gardener raised the patch version (maintenance, or a partial version completed)",
		keep.Minor:   "gardener raised the version (forced update of an expired version); update the fleet",
	} {
		if got := v.Reason(); got != want {
			t.Errorf("%d.Reason() = %q, want %q", v, got, want)
		}
		if got := v.Keep(); got != (want != "") {
			t.Errorf("%d.Keep() = %v", v, got)
		}
	}
}
