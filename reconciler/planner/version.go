package planner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ErrInvalidVersion is wrapped by every error of ParseVersion.
var ErrInvalidVersion = errors.New("invalid version")

// Version is a Kubernetes version MAJOR.MINOR.PATCH. The zero Version means
// "not set".
type Version struct {
	Major, Minor, Patch uint64
}

// ParseVersion parses a Kubernetes version such as "1.33.4" or "v1.33.4".
// Pre-release and build suffixes are refused: Gardener's versions are x.y.z.
func ParseVersion(s string) (Version, error) {
	sv, err := semver.StrictNewVersion(strings.TrimPrefix(s, "v"))
	if err != nil {
		return Version{}, fmt.Errorf("%w %q: want MAJOR.MINOR.PATCH, optionally with a leading v", ErrInvalidVersion, s)
	}
	if sv.Prerelease() != "" || sv.Metadata() != "" {
		return Version{}, fmt.Errorf("%w %q: pre-release and build suffixes are not supported", ErrInvalidVersion, s)
	}
	return Version{Major: sv.Major(), Minor: sv.Minor(), Patch: sv.Patch()}, nil
}

// MustParseVersion is ParseVersion for constants; it panics on error.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// IsZero reports whether v is unset.
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int {
	switch {
	case v.Major != w.Major:
		return cmpUint(v.Major, w.Major)
	case v.Minor != w.Minor:
		return cmpUint(v.Minor, w.Minor)
	default:
		return cmpUint(v.Patch, w.Patch)
	}
}

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// SameMinor reports whether v and w share major and minor.
func (v Version) SameMinor(w Version) bool { return v.Major == w.Major && v.Minor == w.Minor }

// minorsBehind is how many minors v is behind w, 0 if it is not behind. Both
// must share the major version.
func (v Version) minorsBehind(w Version) uint64 {
	if v.Minor >= w.Minor {
		return 0
	}
	return w.Minor - v.Minor
}

// String formats v as MAJOR.MINOR.PATCH, without a leading v.
func (v Version) String() string {
	b := make([]byte, 0, 16)
	return string(v.appendTo(b))
}

func (v Version) appendTo(b []byte) []byte {
	b = strconv.AppendUint(b, v.Major, 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, v.Minor, 10)
	b = append(b, '.')
	return strconv.AppendUint(b, v.Patch, 10)
}

// MarshalText implements encoding.TextMarshaler.
func (v Version) MarshalText() ([]byte, error) { return v.appendTo(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseVersion.
func (v *Version) UnmarshalText(text []byte) error {
	parsed, err := ParseVersion(string(text))
	if err != nil {
		return err
	}
	*v = parsed
	return nil
}

// minor names a minor release, printed as MAJOR.MINOR.
type minor struct{ major, minor uint64 }

func (m minor) String() string {
	return strconv.FormatUint(m.major, 10) + "." + strconv.FormatUint(m.minor, 10)
}

func (v Version) minorOf() minor { return minor{v.Major, v.Minor} }

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	default:
		return 0
	}
}
