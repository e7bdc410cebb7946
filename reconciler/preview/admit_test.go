package preview

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// versionsOf is "cp 1.35.4 a=1.35.4 b=-" for a Shoot: "-" is a pool that
// follows the control plane.
func versionsOf(u *unstructured.Unstructured) string {
	cp, _, _ := unstructured.NestedString(u.Object, "spec", "kubernetes", "version")
	out := "cp " + cp
	workers, _, _ := unstructured.NestedSlice(u.Object, "spec", "provider", "workers")
	for _, w := range workers {
		m := w.(map[string]any)
		v, _, _ := unstructured.NestedString(m, "kubernetes", "version")
		if v == "" {
			v = "-"
		}
		out += fmt.Sprintf(" %s=%s", m["name"], v)
	}
	return out
}

// TestAdmitUpdates: Gardener is asked about every changed Shoot, once per
// planned step, each step as an update of the one before; its answers are
// violations naming the step; unchanged Shoots and steps through a minor
// with no known patch are not judged.
func TestAdmitUpdates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		base, next     *unstructured.Unstructured
		catalog        *planner.Catalog
		refuse         string // a step whose new object has these versions is refused
		wantCalls      []string
		wantViolations []string
		wantNotes      []string
	}{
		{
			name:      "unchanged",
			base:      testShoot("garden-a", "s").Pool(testPool("a", "", "")).Unstructured(),
			next:      testShoot("garden-a", "s").Pool(testPool("a", "", "")).Unstructured(),
			catalog:   catalog("1.35.4"),
			wantCalls: nil,
		},
		{
			name:      "a change without an upgrade",
			base:      testShoot("garden-a", "s").Pool(testPool("a", "", "")).Unstructured(),
			next:      testShoot("garden-a", "s").Pool(testPool("a", "", "")).Set("other", "spec", "region").Unstructured(),
			catalog:   catalog("1.35.4"),
			refuse:    "cp 1.35.4 a=-",
			wantCalls: []string{"cp 1.35.4 a=- <- cp 1.35.4 a=-"},
			wantViolations: []string{
				"shoot garden-a/s: refused",
			},
		},
		{
			name:    "two minors: each step from the one before",
			base:    testShoot("garden-a", "s").Pool(testPool("a", "", "")).Unstructured(),
			next:    testShoot("garden-a", "s").Version("1.37.1").Pool(testPool("a", "", "")).Unstructured(),
			catalog: catalog("1.35.4", "1.36.2", "1.37.1"),
			refuse:  "cp 1.37.1 a=1.35.4",
			wantCalls: []string{
				"cp 1.36.2 a=1.35.4 <- cp 1.35.4 a=-",
				"cp 1.37.1 a=1.35.4 <- cp 1.36.2 a=1.35.4",
				"cp 1.37.1 a=- <- cp 1.37.1 a=1.35.4",
			},
			wantViolations: []string{
				"shoot garden-a/s: step 2 of 3 (control plane 1.36.2 -> 1.37.1): refused",
			},
		},
		{
			name:      "a minor nobody names",
			base:      testShoot("garden-a", "s").Unstructured(),
			next:      testShoot("garden-a", "s").Version("1.37.1").Unstructured(),
			catalog:   nil,
			wantCalls: nil,
			wantNotes: []string{notJudgedNote},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls []string
			admit := func(obj, old *unstructured.Unstructured) ([]string, []string, error) {
				calls = append(calls, versionsOf(obj)+" <- "+versionsOf(old))
				if versionsOf(obj) == tt.refuse {
					return []string{"refused"}, nil, nil
				}
				return nil, nil, nil
			}
			cats := map[string]*planner.Catalog{}
			if tt.catalog != nil {
				cats["metal"] = tt.catalog
			}
			r := Build(Input{Base: "HEAD", BaseObjects: objs(tt.base), Objects: objs(tt.next), Catalogs: cats, AdmitUpdate: admit})
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			var violations []string
			for _, v := range r.Violations {
				violations = append(violations, v.String())
			}
			if diff := cmp.Diff(tt.wantViolations, violations); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			for _, n := range tt.wantNotes {
				found := false
				for _, got := range r.Notes {
					found = found || got == n
				}
				if !found {
					t.Errorf("notes %q lack %q", r.Notes, n)
				}
			}
		})
	}
}
