package preview

import (
	"fmt"
	"io"
	"strings"
)

// opSigns are the signs of changes in text and diffs.
var opSigns = map[Op]string{Added: "+", Removed: "-", Changed: "~"}

// headline summarises the report in one line.
func (r *Report) headline() string {
	if r.Invalid {
		return fmt.Sprintf("fleet is invalid: %d %s", r.Summary.Violations, plural(r.Summary.Violations, "error", "errors"))
	}
	s := r.Summary
	line := fmt.Sprintf("%d to add, %d to change, %d to remove, %d unchanged", s.Added, s.Changed, s.Removed, s.Unchanged)
	if s.Upgrades > 0 {
		line += fmt.Sprintf("; %d %s", s.Upgrades, plural(s.Upgrades, "shoot upgrade", "shoot upgrades"))
	}
	if s.Violations > 0 {
		line += fmt.Sprintf("; %d %s", s.Violations, plural(s.Violations, "violation", "violations"))
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// WriteText writes the report for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plan against %s: %s\n", r.Base, r.headline())

	if len(r.Objects) > 0 {
		b.WriteString("\nObjects:\n")
		for _, o := range r.Objects {
			fmt.Fprintf(&b, "  %s %s\n", opSigns[o.Op], o.ID())
			for _, f := range o.Fields {
				writeFieldText(&b, "      ", f)
			}
		}
	}

	if len(r.Upgrades) > 0 {
		b.WriteString("\nUpgrades:\n")
		for _, u := range r.Upgrades {
			fmt.Fprintf(&b, "  %s%s\n", u.Shoot, rolloutSuffix(u))
			fmt.Fprintf(&b, "    current: %s\n", u.Current)
			for i, s := range u.Steps {
				fmt.Fprintf(&b, "    step %d: %s\n", i+1, strings.Join(s.Changes, ", "))
			}
			if u.Target != nil && len(u.Steps) > 0 {
				fmt.Fprintf(&b, "    target: %s\n", u.Target)
			}
			for _, k := range u.Kept {
				fmt.Fprintf(&b, "    kept: %s\n", k)
			}
			if len(u.MissingMinors) > 0 {
				fmt.Fprintf(&b, "    missing minors: %s (no version known; pass --cloudprofile)\n", strings.Join(u.MissingMinors, ", "))
			}
			if u.Hold != "" {
				fmt.Fprintf(&b, "    hold: %s\n", u.Hold)
			}
			if u.Error != "" {
				fmt.Fprintf(&b, "    error: %s\n", u.Error)
			}
		}
	}

	if len(r.Waves) > 0 {
		b.WriteString("\nWaves:\n")
		for i, w := range r.Waves {
			fmt.Fprintf(&b, "  %d. %s: %s\n", i+1, waveTitle(w), strings.Join(w.Shoots, ", "))
		}
	}

	r.writeScheduleText(&b)
	r.writeForecastText(&b)

	for _, section := range []struct {
		title string
		vs    []Violation
	}{{"Violations", r.Violations}, {"Warnings", r.Warnings}} {
		if len(section.vs) > 0 {
			fmt.Fprintf(&b, "\n%s:\n", section.title)
			for _, v := range section.vs {
				fmt.Fprintf(&b, "  %s\n", v)
			}
		}
	}

	if len(r.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFieldText(b *strings.Builder, indent string, f FieldChange) {
	sign := opSigns[f.Op]
	if isMultiline(f) {
		fmt.Fprintf(b, "%s%s %s:\n", indent, sign, f.Path)
		from, _ := f.From.(string)
		to, _ := f.To.(string)
		for _, l := range lineDiff(from, to) {
			fmt.Fprintf(b, "%s    %c %s\n", indent, l.op, l.text)
		}
		return
	}
	switch f.Op {
	case Added:
		fmt.Fprintf(b, "%s+ %s: %s\n", indent, f.Path, formatValue(f.To))
	case Removed:
		fmt.Fprintf(b, "%s- %s: %s\n", indent, f.Path, formatValue(f.From))
	default:
		fmt.Fprintf(b, "%s~ %s: %s -> %s\n", indent, f.Path, formatValue(f.From), formatValue(f.To))
	}
}

// rolloutSuffix renders where a shoot's upgrade sits in the rollout, e.g.
// " (wave prod, after dev)".
func rolloutSuffix(u Upgrade) string {
	var parts []string
	if u.Wave != "" {
		parts = append(parts, "wave "+u.Wave)
	}
	if len(u.DependsOn) > 0 {
		parts = append(parts, "after "+strings.Join(u.DependsOn, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// waveTitle renders a wave's name and limits, e.g. "prod (1 at a time, bake time 1h)".
func waveTitle(w Wave) string {
	name := w.Name
	if name == "" {
		name = "no wave"
	}
	var limits []string
	if w.MaxParallel > 0 {
		limits = append(limits, fmt.Sprintf("%d at a time", w.MaxParallel))
	}
	if w.BakeTime != "" {
		limits = append(limits, "bake time "+w.BakeTime)
	}
	if len(limits) == 0 {
		return name
	}
	return name + " (" + strings.Join(limits, ", ") + ")"
}

// writeScheduleText writes when each step runs at the earliest.
func (r *Report) writeScheduleText(b *strings.Builder) {
	if r.Schedule == nil {
		return
	}
	fmt.Fprintf(b, "\nSchedule (earliest starts, each step taking %s):\n", r.Schedule.StepDuration)
	for i, w := range r.Schedule.Waves {
		fmt.Fprintf(b, "  %d. %s:\n", i+1, waveTitle(r.Waves[i]))
		for _, e := range w.Entries {
			fmt.Fprintf(b, "    %s\n", e)
		}
	}
}
