package simulator

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	maintenancehelper "github.com/gardener/gardener/pkg/controllermanager/controller/shoot/maintenance/helper"
)

// MaintainedVersion returns the Kubernetes version Gardener's maintenance moves current
// to, with Gardener's own helpers: the newest patch of its minor with autoUpdate, and an
// expired version (or one the CloudProfile no longer lists) forcefully to the consecutive
// minor, auto-update or not. It returns current when maintenance leaves it. Like Gardener's
// helpers, it judges expiry by the wall clock, not the simulator's.
func MaintainedVersion(versions []gardencorev1beta1.ExpirableVersion, current string, autoUpdate bool) (string, error) {
	listed, version := false, gardencorev1beta1.ExpirableVersion{}
	for _, v := range versions {
		if v.Version == current {
			listed, version = true, v
		}
	}
	expired := !listed || v1beta1helper.VersionIsExpired(version)
	if !expired && !autoUpdate {
		return current, nil
	}
	// NOTE: the maintenance controller's determineKubernetesVersion, which is unexported.
	to, err := maintenancehelper.DetermineVersionForStrategy(versions, current,
		v1beta1helper.GetLatestVersionForPatchAutoUpdate, v1beta1helper.GetVersionForForcefulUpdateToConsecutiveMinor, expired)
	if err != nil {
		return "", fmt.Errorf("maintain version %s: %w", current, err)
	}
	if to == "" {
		return current, nil
	}
	return to, nil
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
