package fleet_test

import (
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// FuzzLoad feeds arbitrary CUE to the loader: it must return a fleet or an
// error, never panic, and every error must be printable.
func FuzzLoad(f *testing.F) {
	f.Add(baseFleet)
	f.Add(baseFleet + `shoots: s: {project: "a", pools: p: kubernetes: version: "1.37.1"}`)
	f.Add(baseFleet + `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [{days: ["sun"], start: "23:00"}]}`)
	f.Add(baseFleet + `labs: l: {nodes: a: kind: "linux", links: [{endpoints: ["a:e1", "b:e1"]}]}`)
	f.Add("package fleet\nshoots: x: {project: 1}")
	f.Add("package other\n")
	f.Add("package fleet\n{{{")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src string) {
		_, err := fleet.LoadSource(dir, map[string][]byte{"fuzz.cue": []byte(src)})
		if err != nil {
			_ = fleet.Details(err, dir)
		}
	})
}
