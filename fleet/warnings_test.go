package fleet_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet"
)

func TestWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		src   string
		other string
		want  []string // exact warnings, in position order
	}{
		{name: "none", src: `shoots: s: {project: "a", pools: p: {}}`},
		{name: "depends on a shoot of a later wave", src: `waves: [{name: "first"}, {name: "second"}]
shoots: s: {project: "a", pools: p: {}, rollout: {wave: "first", dependsOn: ["t"]}}
shoots: t: {project: "a", pools: p: {}, rollout: wave: "second"}`,
			want: []string{`case.cue:4:66: shoots.s.rollout.dependsOn: shoot "s" (wave "first") depends on "t" (wave "second"): it waits for "t", so it cannot upgrade in its own wave`}},
		{name: "depends on a shoot in no wave", src: `waves: [{name: "first"}]
shoots: s: {project: "a", pools: p: {}, rollout: {wave: "first", dependsOn: ["t"]}}
shoots: t: {project: "a", pools: p: {}}`,
			want: []string{`case.cue:4:66: shoots.s.rollout.dependsOn: shoot "s" (wave "first") depends on "t" (no wave, after all waves): it waits for "t", so it cannot upgrade in its own wave`}},
		{name: "depends on a shoot of an earlier wave", src: `waves: [{name: "first"}, {name: "second"}]
shoots: s: {project: "a", pools: p: {}, rollout: {wave: "second", dependsOn: ["t"]}}
shoots: t: {project: "a", pools: p: {}, rollout: wave: "first"}`},
		{name: "windows in two time zones that overlap", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [
	{days: "weekdays", start: "19:00", end: "07:00", location: "Europe/Berlin"},
	{days: "weekdays", start: "22:00", end: "06:00", location: "America/New_York"},
]}`,
			want: []string{`case.cue:3:54: shoots.s.hibernation.windows: windows in Europe/Berlin and America/New_York overlap: the window that ends first wakes the shoot while the other wants it asleep`}},
		{name: "windows in two time zones apart", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [
	{days: ["mon"], start: "01:00", end: "02:00", location: "Europe/Berlin"},
	{days: ["mon"], start: "12:00", end: "13:00", location: "America/New_York"},
]}`},
		{name: "pool defaults on a workerless shoot", src: `shoots: cp: {project: "a", provider: type: "local", pool: machine: "x"}`,
			want: []string{`case.cue:3:53: shoots.cp.pool: a workerless shoot has no pools: its pool defaults are ignored`}},
		{name: "a shoot declared in two files", src: `shoots: s: {project: "a", pools: p: {}}`, other: `shoots: s: region: "local"`,
			want: []string{`other.cue:3:9: shoots.s: shoot "s" is declared in case.cue and other.cue: CUE merges the two declarations (also case.cue:3:9)`}},
		{name: "a project declared in two files", src: `projects: b: {}`, other: `projects: {b: description: "B"}`,
			want: []string{`other.cue:3:12: projects.b: project "b" is declared in case.cue and other.cue: CUE merges the two declarations (also case.cue:3:11)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := map[string][]byte{"base.cue": []byte(baseFleet), "case.cue": []byte("package fleet\n\n" + tt.src)}
			if tt.other != "" {
				files["other.cue"] = []byte("package fleet\n\n" + tt.other)
			}
			f, err := fleet.LoadSource(dir, files)
			if err != nil {
				t.Fatalf("unexpected issues:\n%s", fleet.Details(err, dir))
			}
			var got []string
			for _, is := range fleet.Issues(f.Warnings, dir) {
				got = append(got, is.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
