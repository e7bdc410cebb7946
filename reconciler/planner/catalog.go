package planner

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Classification is a CloudProfile's verdict on a Kubernetes version.
type Classification string

// The classifications Gardener knows, in lifecycle order.
const (
	Unavailable Classification = "unavailable"
	Preview     Classification = "preview"
	Supported   Classification = "supported"
	Deprecated  Classification = "deprecated"
	Expired     Classification = "expired"
)

// ParseClassification maps a CloudProfile classification to its constant.
// An empty one is Supported, as in Gardener.
func ParseClassification(s string) (Classification, error) {
	switch c := Classification(s); c {
	case "":
		return Supported, nil
	case Unavailable, Preview, Supported, Deprecated, Expired:
		return c, nil
	default:
		return "", fmt.Errorf("unknown classification %q", s)
	}
}

// writable reports whether Gardener accepts moving a shoot onto a version
// with this classification.
func (c Classification) writable() bool {
	return c == Preview || c == Supported || c == Deprecated
}

// choosable reports whether the planner may pick a version of this
// classification on its own, for an intermediate minor or a minor-only target.
func (c Classification) choosable(allowPreview bool) bool {
	return c == Supported || c == Deprecated || (allowPreview && c == Preview)
}

// ProfileVersion is one entry of a CloudProfile's spec.kubernetes.versions.
type ProfileVersion struct {
	Version        Version
	Classification Classification
}

// Catalog is the set of Kubernetes versions a CloudProfile offers, indexed
// for the planner. Build it once per CloudProfile and share it between
// shoots: it is read-only after NewCatalog. A nil Catalog offers nothing.
type Catalog struct {
	versions []ProfileVersion // sorted, oldest first
}

// NewCatalog indexes versions. A version listed twice is an error.
func NewCatalog(versions []ProfileVersion) (*Catalog, error) {
	sorted := slices.Clone(versions)
	slices.SortFunc(sorted, func(a, b ProfileVersion) int { return a.Version.Compare(b.Version) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Version == sorted[i-1].Version {
			return nil, fmt.Errorf("version %s is listed twice", sorted[i].Version)
		}
	}
	for _, pv := range sorted {
		if _, err := ParseClassification(string(pv.Classification)); err != nil {
			return nil, fmt.Errorf("version %s: %w", pv.Version, err)
		}
	}
	return &Catalog{versions: sorted}, nil
}

// Versions returns the catalog's versions, oldest first.
func (c *Catalog) Versions() []ProfileVersion {
	if c == nil {
		return nil
	}
	return slices.Clone(c.versions)
}

// Classification returns v's classification and whether v is listed at all.
func (c *Catalog) Classification(v Version) (Classification, bool) {
	if c == nil {
		return "", false
	}
	i, found := slices.BinarySearchFunc(c.versions, v, func(pv ProfileVersion, v Version) int { return pv.Version.Compare(v) })
	if !found {
		return "", false
	}
	if c.versions[i].Classification == "" {
		return Supported, true
	}
	return c.versions[i].Classification, true
}

// Newest returns the newest version of minor MAJOR.MINOR the planner may
// choose: supported or deprecated, preview only when allowPreview.
func (c *Catalog) Newest(major, minorVersion uint64, allowPreview bool) (Version, bool) {
	return c.newestUpTo(Version{Major: major, Minor: minorVersion, Patch: math.MaxUint64}, allowPreview)
}

// newestUpTo is Newest for the minor of limit, among versions up to limit.
func (c *Catalog) newestUpTo(limit Version, allowPreview bool) (Version, bool) {
	if c == nil {
		return Version{}, false
	}
	end, found := slices.BinarySearchFunc(c.versions, limit, func(pv ProfileVersion, v Version) int { return pv.Version.Compare(v) })
	if found {
		end++
	}
	for i := end - 1; i >= 0; i-- {
		pv := c.versions[i]
		if !pv.Version.SameMinor(limit) {
			break
		}
		class := pv.Classification
		if class == "" {
			class = Supported
		}
		if class.choosable(allowPreview) {
			return pv.Version, true
		}
	}
	return Version{}, false
}

// Resolve parses a requested version: MAJOR.MINOR.PATCH as given, or
// MAJOR.MINOR as the newest version of that minor the planner may choose.
// Either form may carry a leading v.
func (c *Catalog) Resolve(s string, allowPreview bool) (Version, error) {
	if strings.Count(s, ".") == 2 || strings.ContainsAny(s, "-+") {
		return ParseVersion(s)
	}
	v, err := ParseVersion(s + ".0")
	if err != nil || strings.Count(s, ".") != 1 {
		return Version{}, fmt.Errorf("%w %q: want MAJOR.MINOR or MAJOR.MINOR.PATCH, optionally with a leading v", ErrInvalidVersion, s)
	}
	newest, ok := c.Newest(v.Major, v.Minor, allowPreview)
	if !ok {
		return Version{}, fmt.Errorf("no usable version of %s", v.minorOf())
	}
	return newest, nil
}
