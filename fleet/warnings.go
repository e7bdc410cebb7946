package fleet

import (
	"cmp"
	"fmt"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// warn records what the fleet says that has no effect or may not do what it
// seems to. Like errors, warnings need the evaluated graph for positions.
func (b *builder) warn(path cue.Path, format string, args ...any) {
	b.warnings = cueerrors.Append(b.warnings, newRuleError(b.pos(path), pathStrings(path), format, args...))
}

// warnDependsOnLaterWave warns of a shoot that depends on a shoot of a later
// wave: it waits for that shoot, so it cannot upgrade in its own wave.
func (b *builder) warnDependsOnLaterWave(f *Fleet) {
	order := map[string]int{}
	for i, w := range f.Waves {
		order[w.Name] = i
	}
	waveOf := map[string]int{}
	for _, s := range f.Shoots {
		i, ok := order[s.Rollout.Wave]
		if !ok {
			i = len(f.Waves) // no wave: after all waves
		}
		waveOf[s.Name] = i
	}
	waveName := func(i int) string {
		if i == len(f.Waves) {
			return "no wave, after all waves"
		}
		return fmt.Sprintf("wave %q", f.Waves[i].Name)
	}
	for _, s := range f.Shoots {
		for _, d := range s.Rollout.DependsOn {
			if dw, ok := waveOf[d]; ok && dw > waveOf[s.Name] {
				b.warn(b.source(b.layers(s.Name, settings{Project: s.Project, Environment: s.Environment}), sub("rollout", "dependsOn")...),
					"shoot %q (%s) depends on %q (%s): it waits for %q, so it cannot upgrade in its own wave",
					s.Name, waveName(waveOf[s.Name]), d, waveName(dw), d)
			}
		}
	}
}

// referenceWeeks are the Mondays whose weeks windows in two time zones are
// compared on: one in winter, one in summer, as offsets change with DST.
var referenceWeeks = [][3]int{{2026, 1, 5}, {2026, 7, 6}}

// zonesThatWake returns two time zones whose windows overlap: the window
// that ends first wakes the shoot while the other wants it asleep. Windows
// that do not parse are left to the errors.
func zonesThatWake(windows []window, defaultLocation string) (string, string, bool) {
	type interval struct {
		loc        string
		start, end time.Time
	}
	zones := map[string]bool{}
	for _, w := range windows {
		zones[cmp.Or(w.Location, defaultLocation)] = true
	}
	if len(zones) < 2 {
		return "", "", false
	}
	var all []interval
	for _, w := range windows {
		loc, err := time.LoadLocation(cmp.Or(w.Location, defaultLocation))
		if err != nil {
			return "", "", false
		}
		days, _, err := parseDays(w.Days)
		if err != nil {
			return "", "", false
		}
		start, end, _, err := windowMinutes(w.Start, w.End)
		if err != nil {
			return "", "", false
		}
		for _, week := range referenceWeeks {
			for _, d := range days {
				midnight := time.Date(week[0], time.Month(week[1]), week[2]+d, 0, 0, 0, 0, loc)
				all = append(all, interval{loc.String(), midnight.Add(time.Duration(start) * time.Minute), midnight.Add(time.Duration(end) * time.Minute)})
			}
		}
	}
	for i, a := range all {
		for _, c := range all[i+1:] {
			if a.loc != c.loc && a.start.Before(c.end) && c.start.Before(a.end) {
				return a.loc, c.loc, true
			}
		}
	}
	return "", "", false
}

// duplicateDeclarations warns of a shoot, project, environment or lab
// declared in two files: CUE merges the declarations, which is seldom meant
// across files. Only the usual spellings are found (`shoots: x: ...` and
// `shoots: {x: ...}` at the top of a file); the fleet loads either way.
// declared is where each is declared first, by kind and name
// ("shoots\x00name"): where a refusal of the rendered object is placed.
func duplicateDeclarations(p *userPackage) (warnings cueerrors.Error, declared map[string]token.Pos) {
	type decl struct {
		file string
		pos  token.Pos
	}
	first := map[string]decl{}
	declared = map[string]token.Pos{}
	for _, name := range sortedKeys(p.root) {
		f, err := parser.ParseFile(p.position(name), p.files[name].Data)
		if err != nil {
			continue // the loader reports it
		}
		for _, d := range f.Decls {
			top, ok := d.(*ast.Field)
			if !ok {
				continue
			}
			kind, _, _ := ast.LabelName(top.Label)
			noun, ok := declarationNouns[kind]
			if !ok {
				continue
			}
			st, ok := top.Value.(*ast.StructLit)
			if !ok {
				continue
			}
			for _, e := range st.Elts {
				field, ok := e.(*ast.Field)
				if !ok {
					continue
				}
				label, _, err := ast.LabelName(field.Label)
				if err != nil {
					continue
				}
				key := kind + "\x00" + label
				seen, ok := first[key]
				switch {
				case !ok:
					first[key] = decl{name, field.Label.Pos()}
					declared[key] = field.Label.Pos()
				case seen.file != name:
					warnings = cueerrors.Append(warnings, &ruleError{
						pos:  field.Label.Pos(),
						path: []string{kind, label},
						msg:  fmt.Sprintf("%s %q is declared in %s and %s: CUE merges the two declarations", noun, label, seen.file, name),
						also: []token.Pos{seen.pos},
					})
				}
			}
		}
	}
	return warnings, declared
}

var declarationNouns = map[string]string{"shoots": "shoot", "projects": "project", "environments": "environment", "labs": "lab"}
