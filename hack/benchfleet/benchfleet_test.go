package benchfleet

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// TestGeneratePart loads two parts of one fleet as gardenfleet does: each
// holds its own shoots, in projects the other part does not declare.
func TestGeneratePart(t *testing.T) {
	parts := []Part{{}, {FirstShoot: 30, FirstProject: Projects}}
	seen := map[string]int{} // project or shoot name: the part that has it
	for i, p := range parts {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
		if err := GeneratePart(dir, 30, p); err != nil {
			t.Fatal(err)
		}
		f, err := fleet.Load(dir)
		if err != nil {
			t.Fatalf("part %d: %v\n%s", i, err, fleet.Details(err, dir))
		}
		if len(f.Projects) != Projects || len(f.Shoots) != 30 {
			t.Fatalf("part %d: %d projects, %d shoots; want %d, 30", i, len(f.Projects), len(f.Shoots), Projects)
		}
		projects := map[string]bool{}
		for _, pr := range f.Projects {
			projects[pr.Name] = true
			if other, ok := seen["project "+pr.Name]; ok {
				t.Errorf("project %s in parts %d and %d", pr.Name, other, i)
			}
			seen["project "+pr.Name] = i
		}
		for _, s := range f.Shoots {
			if !projects[s.Project] {
				t.Errorf("part %d: shoot %s in project %s, which the part does not declare", i, s.Name, s.Project)
			}
			if other, ok := seen["shoot "+s.Name]; ok {
				t.Errorf("shoot %s in parts %d and %d", s.Name, other, i)
			}
			seen["shoot "+s.Name] = i
		}
	}
	// Names run on from one part to the next.
	for name, want := range map[string]int{
		"shoot s00000": 0, "shoot s00029": 0, "project p0": 0, "project p19": 0,
		"shoot s00030": 1, "shoot s00059": 1, "project p20": 1, "project p39": 1,
	} {
		if got, ok := seen[name]; !ok || got != want {
			t.Errorf("%s: in part %d (present %t), want part %d", name, got, ok, want)
		}
	}
}
