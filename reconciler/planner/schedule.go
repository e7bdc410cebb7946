package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ScheduleInput is what Schedule forecasts from: the rollout's order and
// each shoot's number of steps, at Now.
type ScheduleInput struct {
	Now time.Time
	// StepDuration is what one step is assumed to take until Gardener
	// confirms it.
	StepDuration time.Duration
	// Waves in the fleet's order; shoots naming none of them go after all.
	Waves  []ScheduleWave
	Shoots []ScheduleShoot
}

// ScheduleWave is one wave of the rollout.
type ScheduleWave struct {
	Name string
	// MaxParallel shoots upgrade at once; 0 is no limit.
	MaxParallel int
	// BakeTime passes after the wave is done before the next starts.
	BakeTime time.Duration
}

// ScheduleShoot is one shoot of the rollout.
type ScheduleShoot struct {
	// Name is what DependsOn of other shoots refers to.
	Name      string
	Wave      string
	DependsOn []string
	Steps     int
	// Window confines the start of each step; nil does not.
	Window Window
	// Held shoots do not start (e.g. while hibernated): their wave never
	// finishes.
	Held bool
}

// ScheduledStep is when one step starts at the earliest, and why not sooner.
type ScheduledStep struct {
	Start time.Time
	// WindowBegin and WindowEnd are the window occurrence the step starts
	// in; zero without a window.
	WindowBegin, WindowEnd time.Time
	// After says what the start waits for, e.g. "wave canary bakes 30m".
	After []string
}

// ShootSchedule is the forecast of one shoot: its steps, or why they
// cannot be forecast.
type ShootSchedule struct {
	Steps   []ScheduledStep
	Blocked string
}

// Schedule forecasts the earliest start of every step, as the reconciler's
// gate would let them go if each step took StepDuration:
//   - a wave starts once every earlier wave is done and the bake time of
//     the wave before has passed;
//   - a shoot starts once its dependencies are done, and holds one of its
//     wave's MaxParallel slots from its first step to the end of its last;
//   - a step with a window starts only inside it, and the next step of the
//     same shoot waits for the next occurrence when it does not fit.
//
// Shoots without steps are done at Now. The result is in the order of
// in.Shoots. It is pure: the same input gives the same forecast.
func Schedule(in ScheduleInput) []ShootSchedule {
	out := make([]ShootSchedule, len(in.Shoots))
	byName := map[string]int{}
	for i, s := range in.Shoots {
		byName[s.Name] = i
	}
	waves := slices.Clone(in.Waves)
	declared := map[string]bool{}
	for _, w := range in.Waves {
		declared[w.Name] = true
	}
	members := map[string][]int{}
	for i, s := range in.Shoots {
		w := s.Wave
		if !declared[w] {
			w = ""
		}
		members[w] = append(members[w], i)
	}
	if !declared[""] && len(members[""]) > 0 {
		waves = append(waves, ScheduleWave{})
	}

	done := map[string]time.Time{} // when a scheduled shoot finishes
	scheduled := make([]bool, len(in.Shoots))
	start, startWhy := in.Now, ""
	blocked := ""
	for _, w := range waves {
		var todo []int
		held, stuck := false, false
		for _, i := range members[w.Name] {
			s := in.Shoots[i]
			switch {
			case s.Steps == 0:
			case blocked != "":
				out[i].Blocked = blocked
			case s.Held:
				held = true
			default:
				todo = append(todo, i)
			}
		}
		sc := waveScheduler{in: in, w: w, start: start, startWhy: startWhy, done: done}
		for len(todo) > 0 {
			next, ready, why, wait := -1, time.Time{}, []string(nil), ""
			for k, i := range todo {
				r, deps, pending := sc.ready(in.Shoots[i], byName, scheduled)
				if pending != "" {
					if wait == "" {
						wait = pending
					}
					continue
				}
				if next < 0 || r.Before(ready) {
					next, ready, why = k, r, deps
				}
			}
			if next < 0 {
				for _, i := range todo {
					out[i].Blocked = wait
				}
				stuck = true
				break
			}
			i := todo[next]
			out[i].Steps = sc.place(in.Shoots[i], ready, why)
			scheduled[i] = true
			todo = slices.Delete(todo, next, next+1)
		}

		if blocked != "" {
			continue
		}
		switch {
		case held:
			blocked = fmt.Sprintf("wave %s has held shoots", waveLabel(w.Name))
			continue
		case stuck:
			blocked = fmt.Sprintf("wave %s does not finish", waveLabel(w.Name))
			continue
		}
		if !sc.end.IsZero() {
			start, startWhy = sc.end, "wave "+waveLabel(w.Name)
			if w.BakeTime > 0 {
				start = start.Add(w.BakeTime)
				startWhy += " bakes " + FormatDuration(w.BakeTime)
			}
		}
	}
	return out
}

// waveScheduler places the shoots of one wave.
type waveScheduler struct {
	in       ScheduleInput
	w        ScheduleWave
	start    time.Time // when the wave may start
	startWhy string    // why not sooner: "wave canary bakes 30m"
	done     map[string]time.Time
	busy     [][2]time.Time // slots held: first step's start, last step's end
	end      time.Time      // when its last shoot is done
}

// ready is when a shoot may start as far as its wave and dependencies
// say, and which of them decided it; pending says why it cannot be told yet.
func (sc *waveScheduler) ready(s ScheduleShoot, byName map[string]int, scheduled []bool) (time.Time, []string, string) {
	at := sc.start
	var why []string
	if sc.startWhy != "" {
		why = []string{sc.startWhy}
	}
	for _, d := range s.DependsOn {
		j, ok := byName[d]
		if !ok || sc.in.Shoots[j].Steps == 0 {
			continue // not upgrading: done already
		}
		if !scheduled[j] {
			return at, nil, fmt.Sprintf("waits for %s, which does not finish before it", d)
		}
		switch t := sc.done[d]; {
		case t.After(at):
			at, why = t, []string{d}
		case t.Equal(at):
			why = append(why, d)
		}
	}
	return at, why, ""
}

// place forecasts a shoot's steps from ready on.
func (sc *waveScheduler) place(s ScheduleShoot, ready time.Time, why []string) []ScheduledStep {
	steps := make([]ScheduledStep, s.Steps)
	t := ready
	for k := range steps {
		st, b, e, _ := StepStart(s.Window, t)
		if k == 0 {
			// The first step needs a slot; a later one keeps it.
			waited := false
			for sc.w.MaxParallel > 0 && sc.inUse(st) >= sc.w.MaxParallel {
				waited = true
				st, b, e, _ = StepStart(s.Window, sc.freeAt(st))
			}
			if waited {
				why = append(slices.Clip(why), fmt.Sprintf("a free slot (%d at a time)", sc.w.MaxParallel))
			}
			steps[k].After = why
		}
		steps[k].Start, steps[k].WindowBegin, steps[k].WindowEnd = st, b, e
		t = st.Add(sc.in.StepDuration)
	}
	sc.busy = append(sc.busy, [2]time.Time{steps[0].Start, t})
	sc.done[s.Name] = t
	if t.After(sc.end) {
		sc.end = t
	}
	return steps
}

// inUse counts the slots held at t.
func (sc *waveScheduler) inUse(t time.Time) int {
	n := 0
	for _, b := range sc.busy {
		if !t.Before(b[0]) && t.Before(b[1]) {
			n++
		}
	}
	return n
}

// freeAt is the first time after t a held slot is given back.
func (sc *waveScheduler) freeAt(t time.Time) time.Time {
	var first time.Time
	for _, b := range sc.busy {
		if b[1].After(t) && (first.IsZero() || b[1].Before(first)) {
			first = b[1]
		}
	}
	return first
}

func waveLabel(name string) string {
	if name == "" {
		return "(shoots without a wave)"
	}
	return name
}

// FormatDuration renders d the way people write it: "30m", "1h", "1h30m",
// "2d3h"; "0m" for zero.
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0m"
	}
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}
