// Package keep holds the one rule for a version Gardener raised past what
// the fleet asks for: the live version is kept. The planner, the apply path
// (clusters) and the previews all ask Live.
package keep

import "github.com/Masterminds/semver/v3"

// Verdict is what Live decides for one version field.
type Verdict int

// Verdicts, in the order of how far live is ahead.
const (
	// Desired: apply the fleet's version (live is not newer, or either
	// does not read as a version).
	Desired Verdict = iota
	// Patch: live is a newer patch of the same minor, as Gardener's
	// maintenance auto-update sets it, or as its admission completes a
	// partial machine image version ("12") on create. Kept; nothing for
	// the fleet to do.
	Patch
	// Minor: live is a newer minor (or major), as Gardener's maintenance
	// sets when it force-updates an expired version. Kept, since Gardener
	// refuses a downgrade; the fleet should catch up.
	Minor
)

// Keep reports whether the live version is kept.
func (v Verdict) Keep() bool { return v != Desired }

// Reason says why a live version is kept, for people.
func (v Verdict) Reason() string {
	switch v {
	case Patch:
		return "gardener raised the patch version (maintenance, or a partial version completed)"
	case Minor:
		return "gardener raised the version (forced update of an expired version); update the fleet"
	}
	return ""
}

// Live decides between the fleet's version and the live one. Versions are
// read leniently (a leading v, a missing patch, a pre-release): machine
// image versions are not always MAJOR.MINOR.PATCH. What does not read as a
// version is left to the fleet: Gardener's validation answers for it.
func Live(desired, live string) Verdict {
	if desired == live || desired == "" || live == "" {
		return Desired
	}
	d, err := semver.NewVersion(desired)
	if err != nil {
		return Desired
	}
	l, err := semver.NewVersion(live)
	if err != nil {
		return Desired
	}
	return Versions(d, l)
}

// Versions is Live for parsed versions.
func Versions(desired, live *semver.Version) Verdict {
	return Decide(live.GreaterThan(desired), live.Major() == desired.Major() && live.Minor() == desired.Minor())
}

// Decide is the rule itself, for callers with versions of their own type:
// whether live is newer than desired, and whether both share the minor.
func Decide(liveNewer, sameMinor bool) Verdict {
	switch {
	case !liveNewer:
		return Desired
	case sameMinor:
		return Patch
	}
	return Minor
}
