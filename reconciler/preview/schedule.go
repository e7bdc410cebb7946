package preview

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// DefaultStepDuration is what a step is assumed to take when the input
// says nothing: about a control plane's reconcile and a rolling pool.
const DefaultStepDuration = 30 * time.Minute

// Schedule is when each step runs at the earliest, wave by wave.
type Schedule struct {
	// StepDuration is what each step is assumed to take.
	StepDuration string          `json:"stepDuration"`
	Waves        []ScheduledWave `json:"waves"`
}

// ScheduledWave holds the steps of one wave's shoots, by shoot and step.
type ScheduledWave struct {
	Name    string          `json:"name"`
	Entries []ScheduleEntry `json:"entries"`
}

// ScheduleEntry is one step of one shoot, or why a shoot's steps cannot
// be told a time.
type ScheduleEntry struct {
	Shoot   string   `json:"shoot"`
	Step    int      `json:"step,omitempty"`
	Steps   int      `json:"steps"`
	Changes []string `json:"changes,omitempty"`
	// At is the earliest start after the plan is applied, e.g. "1h30m",
	// for a step no window confines.
	At string `json:"at,omitempty"`
	// Window is the occurrence of the maintenance window the step starts
	// in, e.g. "Tue 22:00-23:00 +0100"; WindowStart is when (RFC3339).
	Window      string `json:"window,omitempty"`
	WindowStart string `json:"windowStart,omitempty"`
	// After says what the start waits for: "wave canary bakes 30m", a
	// dependency, "a free slot (1 at a time)".
	After []string `json:"after,omitempty"`
	// Blocked says why the shoot's steps have no time.
	Blocked string `json:"blocked,omitempty"`
}

// schedule forecasts the report's upgrades with planner.Schedule, from
// in.Now; nil when no shoot has steps. starts holds each step's start by
// shoot, for the steps that have a time.
func schedule(upgrades []Upgrade, ws []Wave, pairs []pair, in Input) (_ *Schedule, starts map[string][]time.Time) {
	if len(ws) == 0 || in.Fleet == nil {
		return nil, nil
	}
	dur := in.StepDuration
	if dur <= 0 {
		dur = DefaultStepDuration
	}
	models := map[string]*fleet.Shoot{}
	for i := range in.Fleet.Shoots {
		s := &in.Fleet.Shoots[i]
		models[s.Namespace+"/"+s.Name] = s
	}
	objects := map[string]pair{}
	for _, p := range pairs {
		if p.next != nil && isShoot(p.next) {
			objects[objectName(p.next)] = p
		}
	}

	sin := planner.ScheduleInput{Now: in.Now, StepDuration: dur}
	for _, w := range in.Fleet.Waves {
		sin.Waves = append(sin.Waves, planner.ScheduleWave{Name: w.Name, MaxParallel: w.MaxParallel, BakeTime: w.BakeTime})
	}
	unknown := map[int]string{} // shoots whose window only Gardener knows
	for i, u := range upgrades {
		ss := planner.ScheduleShoot{Name: u.Shoot, Wave: u.Wave, DependsOn: u.DependsOn, Held: u.Hold != ""}
		if u.Error == "" {
			ss.Steps = len(u.Steps)
		}
		if m := models[u.Shoot]; m != nil {
			ss.Name = m.Name
			if m.Rollout.Window == fleet.WindowMaintenance {
				w, why := stepWindow(objects[u.Shoot])
				if w != nil {
					ss.Window = w.Next
				} else {
					unknown[i] = why
				}
			}
		}
		sin.Shoots = append(sin.Shoots, ss)
	}
	// A shoot that depends on one outside the report waits for nothing.
	forecast := planner.Schedule(sin)

	byShoot := map[string]int{}
	for i, u := range upgrades {
		byShoot[u.Shoot] = i
	}
	out := &Schedule{StepDuration: planner.FormatDuration(dur)}
	starts = map[string][]time.Time{}
	for _, w := range ws {
		sw := ScheduledWave{Name: w.Name, Entries: []ScheduleEntry{}}
		for _, name := range w.Shoots {
			i := byShoot[name]
			u, f := upgrades[i], forecast[i]
			switch {
			case u.Hold != "":
				sw.Entries = append(sw.Entries, ScheduleEntry{Shoot: name, Steps: len(u.Steps), Blocked: u.Hold})
				continue
			case f.Blocked != "":
				sw.Entries = append(sw.Entries, ScheduleEntry{Shoot: name, Steps: len(u.Steps), Blocked: f.Blocked})
				continue
			}
			for k, st := range f.Steps {
				if unknown[i] == "" {
					starts[name] = append(starts[name], st.Start)
				}
				e := ScheduleEntry{Shoot: name, Step: k + 1, Steps: len(u.Steps), Changes: u.Steps[k].Changes, After: st.After}
				switch {
				case !st.WindowBegin.IsZero():
					e.Window = shoot.Label(st.WindowBegin, st.WindowEnd)
					e.WindowStart = st.Start.In(st.WindowBegin.Location()).Format(time.RFC3339)
				case unknown[i] != "":
					e.Window = unknown[i]
				default:
					e.At = planner.FormatDuration(st.Start.Sub(in.Now))
				}
				sw.Entries = append(sw.Entries, e)
			}
		}
		out.Waves = append(out.Waves, sw)
	}
	return out, starts
}

// stepWindow is the maintenance window a shoot's steps will start in: the
// new fleet's, else the base's (a live shoot has the one Gardener picked).
func stepWindow(p pair) (*shoot.Window, string) {
	for _, u := range []*unstructured.Unstructured{p.next, p.base} {
		if u == nil {
			continue
		}
		s, err := shoot.Read(u)
		if err != nil {
			continue // its upgrade says why
		}
		w, err := shoot.MaintenanceWindow(s)
		if err != nil {
			return nil, "unreadable: " + err.Error()
		}
		if w != nil {
			return w, ""
		}
	}
	return nil, "the one Gardener picks (no maintenance.timeWindow in the fleet)"
}

// when renders when an entry's step starts: "at +30m", or "window Tue
// 22:00-23:00 +0100", "from 22:40" when it starts inside the window.
func (e ScheduleEntry) when() string {
	if e.At != "" {
		return "at +" + e.At
	}
	s := "window " + e.Window
	if start, err := time.Parse(time.RFC3339, e.WindowStart); err == nil && !strings.Contains(e.Window, start.Format("15:04-")) {
		s += " from " + start.Format("15:04")
	}
	return s
}

// String renders an entry as one line, e.g. "garden-a/prod: step 2 of 3,
// control plane 1.36.4 -> 1.37.1, window Tue 03:00-04:00 +0100, after wave
// canary bakes 30m".
func (e ScheduleEntry) String() string {
	if e.Blocked != "" {
		return fmt.Sprintf("%s: %d %s, not scheduled: %s", e.Shoot, e.Steps, plural(e.Steps, "step", "steps"), e.Blocked)
	}
	s := fmt.Sprintf("%s: step %d of %d, %s, %s", e.Shoot, e.Step, e.Steps, strings.Join(e.Changes, ", "), e.when())
	if len(e.After) > 0 {
		s += ", after " + strings.Join(e.After, ", ")
	}
	return s
}

// mdSchedule writes the schedule as a table, one row per step.
func (r *Report) mdSchedule(b *strings.Builder, opts markdownOptions) {
	if r.Schedule == nil {
		return
	}
	fmt.Fprintf(b, "\n### Schedule\n\nEarliest starts, each step taking %s.\n\n", r.Schedule.StepDuration)
	var t strings.Builder
	t.WriteString("| Wave | Shoot | Step | Changes | Starts | After |\n| --- | --- | --- | --- | --- | --- |\n")
	rows, total := 0, 0
	for _, w := range r.Schedule.Waves {
		total += len(w.Entries)
	}
	for i, w := range r.Schedule.Waves {
		for _, e := range w.Entries {
			if opts.maxRows > 0 && rows == opts.maxRows {
				fmt.Fprintf(&t, "| … %d more | | | | | |\n", total-rows)
				fold(b, total, fmt.Sprintf("%d steps", total), t.String())
				return
			}
			rows++
			step, starts := fmt.Sprintf("%d of %d", e.Step, e.Steps), e.when()
			if e.Blocked != "" {
				step, starts = fmt.Sprintf("%d %s", e.Steps, plural(e.Steps, "step", "steps")), "not scheduled: "+e.Blocked
			}
			fmt.Fprintf(&t, "| %s | `%s` | %s | %s | %s | %s |\n", mdCell(waveTitle(r.Waves[i])), e.Shoot, step,
				mdCell(strings.Join(e.Changes, ", ")), mdCell(starts), mdCell(strings.Join(e.After, ", ")))
		}
	}
	fold(b, total, fmt.Sprintf("%d steps", total), t.String())
}
