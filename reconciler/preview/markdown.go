package preview

import (
	"fmt"
	"io"
	"strings"
)

// MarkdownLimit is the most a Markdown report may hold: GitHub refuses
// comments longer than 65536 characters. A longer report leaves out the
// field changes, then shortens its tables, and says so.
const MarkdownLimit = 65_000

// longList is how many rows or lines are shown before they fold into a
// <details> block.
const longList = 10

// markdownOptions shorten a report to fit MarkdownLimit.
type markdownOptions struct {
	fields  bool // show field changes
	maxRows int  // rows per table; 0 is no limit
}

// WriteMarkdown writes the report as Markdown fit for a pull request
// comment: a summary, a table of changed objects, each object's field
// changes in a diff block, the upgrade steps with a Mermaid flowchart of each
// shoot's version path, the waves with a Mermaid Gantt chart of their bake
// times, violations and notes.
func (r *Report) WriteMarkdown(w io.Writer) error {
	attempts := []markdownOptions{{fields: true}, {maxRows: 200}, {maxRows: 50}, {maxRows: 10}}
	var out string
	for _, opts := range attempts {
		out = r.markdown(opts)
		if len(out) <= MarkdownLimit {
			break
		}
	}
	_, err := io.WriteString(w, out)
	return err
}

func (r *Report) markdown(opts markdownOptions) string {
	var b strings.Builder
	b.WriteString("## gardenfleet plan\n\n")
	fmt.Fprintf(&b, "Against `%s`: **%s**.\n", r.Base, r.headline())
	if !opts.fields {
		b.WriteString("\n> [!NOTE]\n> The plan is too long for a comment: field changes")
		if opts.maxRows > 0 {
			fmt.Fprintf(&b, " are left out and tables show at most %d rows", opts.maxRows)
		}
		b.WriteString(". Run `gardenfleet plan` for all of it.\n")
	}

	mdViolations(&b, "Violations", r.Violations)
	mdViolations(&b, "Warnings", r.Warnings)

	if len(r.Objects) > 0 {
		b.WriteString("\n### Objects\n\n")
		var t strings.Builder
		t.WriteString("| Change | Kind | Namespace | Name | Fields |\n| --- | --- | --- | --- | ---: |\n")
		for i, o := range r.Objects {
			if opts.maxRows > 0 && i == opts.maxRows {
				fmt.Fprintf(&t, "| … | %d more | | | |\n", len(r.Objects)-i)
				break
			}
			fields := ""
			if o.Op == Changed {
				fields = fmt.Sprint(len(o.Fields))
			}
			fmt.Fprintf(&t, "| %s | %s | %s | %s | %s |\n", o.Op, mdCell(o.Kind), mdCell(o.Namespace), mdCell(o.Name), fields)
		}
		fold(&b, len(r.Objects), fmt.Sprintf("%d objects", len(r.Objects)), t.String())
	}

	if opts.fields && r.Summary.Changed > 0 {
		b.WriteString("\n### Field changes\n")
		var fc strings.Builder
		for _, o := range r.Objects {
			if o.Op != Changed {
				continue
			}
			lines := diffBlockLines(o.Fields)
			block := "```diff\n" + strings.Join(lines, "\n") + "\n```\n"
			count := fmt.Sprintf("%d %s", len(o.Fields), plural(len(o.Fields), "field", "fields"))
			if len(lines) > longList {
				// Markdown does not work inside <summary>: HTML it is.
				fmt.Fprintf(&fc, "\n<details><summary><code>%s</code>: %s</summary>\n\n%s\n</details>\n", mdText(o.ID()), count, block)
			} else {
				fmt.Fprintf(&fc, "\n`%s`: %s\n\n%s", o.ID(), count, block)
			}
		}
		if r.Summary.Changed > longList {
			fmt.Fprintf(&b, "\n<details><summary>%d changed objects</summary>\n%s\n</details>\n", r.Summary.Changed, fc.String())
		} else {
			b.WriteString(fc.String())
		}
	}

	if len(r.Upgrades) > 0 {
		b.WriteString("\n### Upgrades\n\n")
		var t strings.Builder
		t.WriteString("| Shoot | Wave | Steps | Notes |\n| --- | --- | --- | --- |\n")
		for i, u := range r.Upgrades {
			if opts.maxRows > 0 && i == opts.maxRows {
				fmt.Fprintf(&t, "| … %d more | | | |\n", len(r.Upgrades)-i)
				break
			}
			steps := make([]string, len(u.Steps))
			for j, s := range u.Steps {
				steps[j] = fmt.Sprintf("%d. %s", j+1, mdCell(strings.Join(s.Changes, ", ")))
			}
			var notes []string
			if len(u.DependsOn) > 0 {
				notes = append(notes, "after "+mdCell(strings.Join(u.DependsOn, ", ")))
			}
			if len(u.MissingMinors) > 0 {
				notes = append(notes, "no version known of "+strings.Join(u.MissingMinors, ", "))
			}
			for _, k := range u.Kept {
				notes = append(notes, mdCell(k))
			}
			if u.Hold != "" {
				notes = append(notes, mdCell(u.Hold))
			}
			if u.Error != "" {
				notes = append(notes, "**error:** "+mdCell(u.Error))
			}
			fmt.Fprintf(&t, "| `%s` | %s | %s | %s |\n", u.Shoot, mdCell(u.Wave), strings.Join(steps, "<br>"), strings.Join(notes, "<br>"))
		}
		fold(&b, len(r.Upgrades), fmt.Sprintf("%d shoots", len(r.Upgrades)), t.String())
		shown := r.Upgrades
		if opts.maxRows > 0 && len(shown) > opts.maxRows {
			shown = shown[:opts.maxRows]
		}
		var paths strings.Builder
		mdVersionPaths(&paths, shown)
		if paths.Len() > 0 {
			fold(&b, len(shown), "version paths", paths.String())
		}
	}

	if len(r.Waves) > 0 {
		b.WriteString("\n### Waves\n\n")
		b.WriteString("| # | Wave | At a time | Bake time | Shoots |\n| ---: | --- | --- | --- | --- |\n")
		for i, w := range r.Waves {
			name := mdCell(w.Name)
			if w.Name == "" {
				name = "_no wave_"
			}
			parallel := "no limit"
			if w.MaxParallel > 0 {
				parallel = fmt.Sprint(w.MaxParallel)
			}
			shoots := w.Shoots
			more := ""
			if opts.maxRows > 0 && len(shoots) > opts.maxRows {
				more = fmt.Sprintf(" … %d more", len(shoots)-opts.maxRows)
				shoots = shoots[:opts.maxRows]
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | `%s`%s |\n", i+1, name, parallel, mdCell(w.BakeTime), strings.Join(shoots, "`, `"), more)
		}
		mdWaveChart(&b, r.Waves, r.Upgrades)
	}

	r.mdSchedule(&b, opts)
	r.mdForecast(&b)

	if len(r.Notes) > 0 {
		b.WriteString("\n### Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", mdText(n))
		}
	}
	return b.String()
}

// fold writes content, inside a <details> block when it has more than
// longList rows.
func fold(b *strings.Builder, rows int, summary, content string) {
	if rows > longList {
		fmt.Fprintf(b, "<details><summary>%s</summary>\n\n%s\n</details>\n", summary, content)
		return
	}
	b.WriteString(content)
}

// diffBlockLines renders field changes as the lines of a ```diff block: a
// changed value as its old line and its new one.
func diffBlockLines(fields []FieldChange) []string {
	var lines []string
	for _, f := range fields {
		if isMultiline(f) {
			from, _ := f.From.(string)
			to, _ := f.To.(string)
			lines = append(lines, fmt.Sprintf("@@ %s @@", f.Path))
			for _, l := range lineDiff(from, to) {
				lines = append(lines, fmt.Sprintf("%c   %s", l.op, l.text))
			}
			continue
		}
		if f.Op != Added {
			lines = append(lines, fmt.Sprintf("- %s: %s", f.Path, formatValue(f.From)))
		}
		if f.Op != Removed {
			lines = append(lines, fmt.Sprintf("+ %s: %s", f.Path, formatValue(f.To)))
		}
	}
	return lines
}

// mdCell escapes text for a table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// mdText keeps text from turning into HTML it does not mean.
func mdText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", "\n", " ").Replace(s)
}

// mdViolations writes a section listing violations or warnings, if any.
func mdViolations(b *strings.Builder, title string, vs []Violation) {
	if len(vs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### %s\n\n", title)
	for _, v := range vs {
		if v.Shoot != "" {
			fmt.Fprintf(b, "- shoot `%s`: %s\n", v.Shoot, mdText(v.Message))
			continue
		}
		where := ""
		if v.File != "" {
			where = fmt.Sprintf("`%s:%d:%d`: ", v.File, v.Line, v.Column)
		}
		if v.Path != "" {
			where += "`" + v.Path + "`: "
		}
		fmt.Fprintf(b, "- %s%s\n", where, mdText(v.Message))
	}
}
