package simulator

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/Masterminds/semver/v3"
)

// CloudProfileVersion is one entry of a CloudProfile's spec.kubernetes.versions.
type CloudProfileVersion struct {
	Version        string     `json:"version"`
	Classification string     `json:"classification,omitempty"`
	ExpirationDate *time.Time `json:"expirationDate,omitempty"`
}

// NewestPatch returns the newest version of current's minor that maintenance may move a
// shoot to: never a preview, never an expired one (by classification or expiration date
// before now), never older than current. It returns current when there is none newer.
func NewestPatch(versions []CloudProfileVersion, current string, now time.Time) (string, error) {
	cur, err := semver.StrictNewVersion(current)
	if err != nil {
		return "", fmt.Errorf("parse version %q: %w", current, err)
	}
	best := cur
	for _, v := range versions {
		sv, err := semver.StrictNewVersion(v.Version)
		if err != nil || sv.Major() != cur.Major() || sv.Minor() != cur.Minor() {
			continue
		}
		switch v.Classification {
		case "preview", "expired", "unavailable":
			continue
		}
		if v.ExpirationDate != nil && !v.ExpirationDate.After(now) {
			continue
		}
		if sv.GreaterThan(best) {
			best = sv
		}
	}
	return best.Original(), nil
}

var timeWindowRE = regexp.MustCompile(`^([01][0-9]|2[0-3])([0-5][0-9])([0-5][0-9])([+-])([0-9]{2})([0-9]{2})$`)

// InMaintenanceWindow tells whether t lies in the window [begin, end) given in Gardener's
// HHMMSS+ZZZZ form; a window whose end is before its begin spans midnight. It returns the
// start of the window t lies in, so a caller can maintain once per window.
func InMaintenanceWindow(begin, end string, t time.Time) (bool, time.Time, error) {
	b, err := parseWindowTime(begin)
	if err != nil {
		return false, time.Time{}, err
	}
	e, err := parseWindowTime(end)
	if err != nil {
		return false, time.Time{}, err
	}
	// Look at the window that began today and the one that began yesterday (in begin's zone).
	lt := t.In(b.loc)
	for _, day := range []int{0, -1} {
		d := lt.AddDate(0, 0, day)
		start := time.Date(d.Year(), d.Month(), d.Day(), b.h, b.m, b.s, 0, b.loc)
		stop := time.Date(d.Year(), d.Month(), d.Day(), e.h, e.m, e.s, 0, e.loc)
		for !stop.After(start) {
			stop = stop.AddDate(0, 0, 1)
		}
		if !t.Before(start) && t.Before(stop) {
			return true, start, nil
		}
	}
	return false, time.Time{}, nil
}

type windowTime struct {
	h, m, s int
	loc     *time.Location
}

func parseWindowTime(v string) (windowTime, error) {
	m := timeWindowRE.FindStringSubmatch(v)
	if m == nil {
		return windowTime{}, fmt.Errorf("parse maintenance time %q: want HHMMSS+ZZZZ", v)
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	offset := atoi(m[5])*3600 + atoi(m[6])*60
	if m[4] == "-" {
		offset = -offset
	}
	return windowTime{h: atoi(m[1]), m: atoi(m[2]), s: atoi(m[3]), loc: time.FixedZone(m[4]+m[5]+m[6], offset)}, nil
}
