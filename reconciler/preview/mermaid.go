package preview

import (
	"fmt"
	"strings"
	"time"
)

// Mermaid diagrams GitHub and GitLab draw from a ```mermaid block. Labels
// come from the fleet (names, versions, wave names): mermaidText keeps them
// from ending a label or a line.

// mdVersionPaths writes each upgrade's steps as a flowchart: one row per
// shoot, its live versions first, then the state after each step.
func mdVersionPaths(b *strings.Builder, upgrades []Upgrade) {
	var g strings.Builder
	n := 0
	for i, u := range upgrades {
		if len(u.Steps) == 0 {
			continue
		}
		n++
		title := u.Shoot
		if u.Wave != "" {
			title += " · wave " + u.Wave
		}
		if u.Hold != "" {
			title += " · " + u.Hold
		}
		fmt.Fprintf(&g, "  subgraph u%d[\"%s\"]\n    direction LR\n", i, mermaidText(title))
		fmt.Fprintf(&g, "    u%ds0[\"now<br>%s\"]\n", i, mermaidState(u.Current))
		for j, s := range u.Steps {
			fmt.Fprintf(&g, "    u%ds%d -->|step %d| u%ds%d[\"%s\"]\n", i, j, j+1, i, j+1, mermaidState(s.VersionState))
		}
		g.WriteString("  end\n")
	}
	if n == 0 {
		return
	}
	b.WriteString("\n```mermaid\nflowchart TB\n")
	b.WriteString(g.String())
	b.WriteString("```\n")
}

// mdWaveChart writes the waves as a Gantt chart. How long an upgrade takes
// is Gardener's to say: each wave's upgrade is a milestone, its bake time a
// bar to scale, and the next wave starts after it.
func mdWaveChart(b *strings.Builder, waves []Wave, upgrades []Upgrade) {
	steps := map[string]int{}
	for _, u := range upgrades {
		steps[u.Shoot] = len(u.Steps)
	}
	b.WriteString("\n```mermaid\ngantt\n  dateFormat HH:mm\n  axisFormat %H:%M\n")
	prev := ""
	for i, w := range waves {
		name := w.Name
		if name == "" {
			name = "no wave"
		}
		most := 0
		for _, s := range w.Shoots {
			most = max(most, steps[s])
		}
		what := fmt.Sprintf("upgrade %d %s", len(w.Shoots), plural(len(w.Shoots), "shoot", "shoots"))
		if w.MaxParallel > 0 && w.MaxParallel < len(w.Shoots) {
			what += fmt.Sprintf(", %d at a time", w.MaxParallel)
		}
		what += fmt.Sprintf(", up to %d %s", most, plural(most, "step", "steps"))
		start := "00:00"
		if prev != "" {
			start = "after " + prev
		}
		fmt.Fprintf(b, "  section %s\n  %s :milestone, w%du, %s, 0m\n", mermaidText(name), mermaidText(what), i, start)
		prev = fmt.Sprintf("w%du", i)
		if d, err := time.ParseDuration(w.BakeTime); err == nil && d > 0 {
			fmt.Fprintf(b, "  bake %s :w%db, after w%du, %s\n", mermaidText(w.BakeTime), i, i, mermaidDuration(d))
			prev = fmt.Sprintf("w%db", i)
		}
	}
	b.WriteString("```\n")
}

// mermaidState renders a version state as label lines.
func mermaidState(s VersionState) string {
	lines := []string{"control plane " + s.ControlPlane}
	for _, name := range sortedKeys(s.Pools) {
		lines = append(lines, "pool "+name+" "+s.Pools[name])
	}
	for i := range lines {
		lines[i] = mermaidText(lines[i])
	}
	return strings.Join(lines, "<br>")
}

// mermaidDuration is d in the largest unit Mermaid reads that keeps it whole.
func mermaidDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return fmt.Sprintf("%ds", (d+time.Second-1)/time.Second)
	}
}

// mermaidText escapes what would end a label, a task name or the line, or
// turn into markup: Mermaid reads #name; as an entity.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "#", "#35;", ":", "#58;", ";", "#59;",
		"<", "#lt;", ">", "#gt;", "\n", " ", "`", "#96;").Replace(s)
}
