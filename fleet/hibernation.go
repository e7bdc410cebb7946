package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zones must resolve on minimal images too

	"cuelang.org/go/cue"
	"github.com/robfig/cron/v3"
)

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
)

// dayNames in the order of the week used here: Monday first.
var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// hibernation resolves windows into cron schedules and checks all schedules
// the way Gardener does.
func (b *builder) hibernation(layers []layer, h hibernation) Hibernation {
	at := func(fields ...string) cue.Path {
		return b.source(layers, sub(append([]string{"hibernation"}, fields...)...)...)
	}
	out := Hibernation{Enabled: h.Enabled}
	if h.Enabled != nil && (len(h.Windows) > 0 || len(h.Schedules) > 0) {
		b.fail(at("enabled"), "hibernation.enabled cannot be set together with windows or schedules: Gardener's hibernation controller owns it then")
		out.Enabled = nil
	}
	windowSchedules, err := b.windowsToSchedules(h.Windows, h.Location)
	if err != nil {
		b.fail(b.windowErrorPath(layers, h.Windows, err), "%v", err)
	}
	out.Schedules = append(out.Schedules, windowSchedules...)
	if err == nil {
		if a, c, ok := zonesThatWake(h.Windows, h.Location); ok {
			b.warn(at("windows"), "windows in %s and %s overlap: the window that ends first wakes the shoot while the other wants it asleep", a, c)
		}
	}
	for _, s := range h.Schedules {
		if s.Location == "" {
			s.Location = h.Location
		}
		out.Schedules = append(out.Schedules, s)
	}
	for _, p := range checkSchedules(out.Schedules) {
		b.fail(b.scheduleErrorPath(layers, p, len(windowSchedules)), "%s", p.msg)
	}
	return out
}

// scheduleErrorPath is where the user wrote what a schedule problem is
// about: the cron string or time zone of a raw schedule itself, or the
// windows when the schedule was made from them.
func (b *builder) scheduleErrorPath(layers []layer, p scheduleProblem, fromWindows int) cue.Path {
	if p.index < fromWindows {
		return b.source(layers, sub("hibernation", "windows")...)
	}
	at := join(b.source(layers, sub("hibernation", "schedules")...), cue.Index(p.index-fromWindows))
	if p.field != "" {
		at = join(at, cue.Str(p.field))
	}
	return at
}

// scheduleProblem is one thing Gardener would reject in a schedule: field
// is start, end or location, or "" for the schedule as a whole.
type scheduleProblem struct {
	index int
	field string
	msg   string
}

// CheckSchedules returns what Gardener would reject in a shoot's hibernation
// schedules: cron strings its parser refuses, unknown time zones, and the
// same cron string used twice.
func CheckSchedules(schedules []Schedule) []string {
	var msgs []string
	for _, p := range checkSchedules(schedules) {
		msgs = append(msgs, p.msg)
	}
	return msgs
}

func checkSchedules(schedules []Schedule) []scheduleProblem {
	var msgs []scheduleProblem
	seen := map[string]bool{}
	for i, s := range schedules {
		if s.Start == "" && s.End == "" {
			msgs = append(msgs, scheduleProblem{i, "", fmt.Sprintf("schedule %d has neither start nor end", i+1)})
		}
		for _, c := range []struct{ field, spec string }{{"start", s.Start}, {"end", s.End}} {
			if c.spec == "" {
				continue
			}
			if _, err := cron.ParseStandard(c.spec); err != nil {
				msgs = append(msgs, scheduleProblem{i, c.field, fmt.Sprintf("schedule %d %s %q is not a valid cron expression: %v", i+1, c.field, c.spec, err)})
			}
			if seen[c.spec] {
				msgs = append(msgs, scheduleProblem{i, c.field, fmt.Sprintf("schedule %d %s %q is used twice; Gardener rejects duplicate cron strings", i+1, c.field, c.spec)})
			}
			seen[c.spec] = true
		}
		if s.Location != "" {
			if _, err := time.LoadLocation(s.Location); err != nil {
				msgs = append(msgs, scheduleProblem{i, "location", fmt.Sprintf("schedule %d: unknown time zone %q", i+1, s.Location)})
			}
		}
	}
	return msgs
}

// windowErrorPath is where the user wrote the value a window error is
// about: the day, time or time zone itself where there is one.
func (b *builder) windowErrorPath(layers []layer, windows []window, err error) cue.Path {
	windowsAt := b.source(layers, sub("hibernation", "windows")...)
	var we *windowError
	if !errors.As(err, &we) || we.window < 0 {
		return windowsAt
	}
	if we.field == "location" && windows[we.window].Location == "" {
		return b.source(layers, sub("hibernation", "location")...)
	}
	p := join(windowsAt, cue.Index(we.window))
	if we.field != "" {
		p = join(p, cue.Str(we.field))
	}
	if we.elem >= 0 {
		p = join(p, cue.Index(we.elem))
	}
	return p
}

// windowError is a window the fleet cannot turn into schedules, and which
// of its values is wrong (elem indexes a list of days; -1 for none).
type windowError struct {
	window int
	field  string
	elem   int
	err    error
}

func (e *windowError) Error() string { return fmt.Sprintf("window %d: %v", e.window+1, e.err) }
func (e *windowError) Unwrap() error { return e.err }

// windowsToSchedules is windowsToSchedules, memoized per distinct input.
func (b *builder) windowsToSchedules(windows []window, location string) ([]Schedule, error) {
	if len(windows) == 0 {
		return nil, nil
	}
	key, err := json.Marshal(struct {
		W []window
		L string
	}{windows, location})
	if err != nil {
		return windowsToSchedules(windows, location)
	}
	if b.windows == nil {
		b.windows = map[string]windowResult{}
	}
	r, ok := b.windows[string(key)]
	if !ok {
		r.schedules, r.err = windowsToSchedules(windows, location)
		b.windows[string(key)] = r
	}
	return slices.Clone(r.schedules), r.err
}

// windowsToSchedules turns hibernation windows into cron schedules. The
// windows of one time zone are first united into sleep intervals over the
// week, so overlapping windows cannot wake a shoot that another window
// still wants asleep.
func windowsToSchedules(windows []window, defaultLocation string) ([]Schedule, error) {
	byLocation := map[string]*[minutesPerWeek]bool{}
	var locations []string
	for i, w := range windows {
		loc := w.Location
		if loc == "" {
			loc = defaultLocation
		}
		if loc != "" {
			if _, err := time.LoadLocation(loc); err != nil {
				return nil, &windowError{i, "location", -1, fmt.Errorf("unknown time zone %q", loc)}
			}
		}
		days, elem, err := parseDays(w.Days)
		if err != nil {
			return nil, &windowError{i, "days", elem, err}
		}
		start, end, field, err := windowMinutes(w.Start, w.End)
		if err != nil {
			return nil, &windowError{i, field, -1, err}
		}
		week, ok := byLocation[loc]
		if !ok {
			week = new([minutesPerWeek]bool)
			byLocation[loc] = week
			locations = append(locations, loc)
		}
		for _, d := range days {
			for m := d*minutesPerDay + start; m < d*minutesPerDay+end; m++ {
				week[m%minutesPerWeek] = true
			}
		}
	}
	var out []Schedule
	for _, loc := range locations {
		s, err := weekToSchedules(byLocation[loc], loc)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// weekToSchedules emits one cron string per distinct time of day at which
// the shoot falls asleep (and one per time it wakes), each listing its days.
func weekToSchedules(week *[minutesPerWeek]bool, loc string) ([]Schedule, error) {
	starts, ends := map[int][]int{}, map[int][]int{}
	asleep := 0
	for m := 0; m < minutesPerWeek; m++ {
		prev := week[(m+minutesPerWeek-1)%minutesPerWeek]
		switch {
		case week[m] && !prev:
			starts[m%minutesPerDay] = append(starts[m%minutesPerDay], m/minutesPerDay)
		case !week[m] && prev:
			ends[m%minutesPerDay] = append(ends[m%minutesPerDay], m/minutesPerDay)
		}
		if week[m] {
			asleep++
		}
	}
	if asleep == minutesPerWeek {
		where := loc
		if where == "" {
			where = "UTC"
		}
		return nil, fmt.Errorf("windows cover the whole week (%s): set hibernation.enabled: true instead", where)
	}
	startCrons, endCrons := crons(starts), crons(ends)
	n := max(len(startCrons), len(endCrons))
	out := make([]Schedule, n)
	for i := range out {
		out[i].Location = loc
		if i < len(startCrons) {
			out[i].Start = startCrons[i]
		}
		if i < len(endCrons) {
			out[i].End = endCrons[i]
		}
	}
	return out, nil
}

// crons renders minute-of-day -> weekdays as cron strings, earliest first.
func crons(byMinute map[int][]int) []string {
	minutes := make([]int, 0, len(byMinute))
	for m := range byMinute {
		minutes = append(minutes, m)
	}
	slices.Sort(minutes)
	out := make([]string, 0, len(minutes))
	for _, m := range minutes {
		days := byMinute[m]
		cronDays := make([]int, len(days))
		for i, d := range days {
			cronDays[i] = (d + 1) % 7 // cron counts from Sunday = 0
		}
		slices.Sort(cronDays)
		parts := make([]string, len(cronDays))
		for i, d := range cronDays {
			parts[i] = fmt.Sprint(d)
		}
		out = append(out, fmt.Sprintf("%02d %02d * * %s", m%60, m/60, strings.Join(parts, ",")))
	}
	return out
}

// parseDays returns the days of a window, Monday = 0. On error it also
// returns the index of the bad day in a list, or -1.
func parseDays(raw json.RawMessage) ([]int, int, error) {
	var word string
	if err := json.Unmarshal(raw, &word); err == nil {
		switch word {
		case "daily":
			return []int{0, 1, 2, 3, 4, 5, 6}, -1, nil
		case "weekdays":
			return []int{0, 1, 2, 3, 4}, -1, nil
		case "weekends":
			return []int{5, 6}, -1, nil
		}
		return nil, -1, fmt.Errorf("unknown days %q: use daily, weekdays, weekends or a list of mon..sun", word)
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil || len(names) == 0 {
		return nil, -1, fmt.Errorf("days must be daily, weekdays, weekends or a list of mon..sun")
	}
	var days []int
	for j, n := range names {
		i := slices.Index(dayNames, n)
		if i < 0 {
			return nil, j, fmt.Errorf("unknown day %q: use mon..sun", n)
		}
		if slices.Contains(days, i) {
			return nil, j, fmt.Errorf("day %q is listed twice", n)
		}
		days = append(days, i)
	}
	return days, -1, nil
}

// windowMinutes returns a window's start and end as minutes from the
// midnight that begins its day; an end at or before the start lies on the
// next day. On error it names the field that is wrong.
func windowMinutes(start, end string) (int, int, string, error) {
	s, e := 0, minutesPerDay
	var err error
	if start != "" {
		if start == "24:00" {
			return 0, 0, "start", fmt.Errorf("start 24:00: write 00:00 of the next day")
		}
		if s, err = clockMinutes(start); err != nil {
			return 0, 0, "start", err
		}
	}
	if end != "" {
		if e, err = clockMinutes(end); err != nil {
			return 0, 0, "end", err
		}
	}
	if e <= s {
		e += minutesPerDay
	}
	return s, e, "", nil
}

func clockMinutes(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("invalid time %q: use HH:MM", s)
	}
	return h*60 + m, nil
}
