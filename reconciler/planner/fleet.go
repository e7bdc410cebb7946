package planner

import "fmt"

// Shoot is one shoot of a fleet to plan.
type Shoot struct {
	Name    string // namespace/name, for errors
	Current Current
	Desired Desired
	// Policy usually shares one Catalog per CloudProfile across shoots.
	Policy Policy
}

// Outcome is one shoot's plan, or why it has none.
type Outcome struct {
	Result
	Err error
}

// PlanFleet plans every shoot on its own with Plan and appends the outcomes
// to dst, in the order of shoots: one shoot's error does not stop the
// others. Errors start with "shoot NAME: ". Pass a reused dst to plan a
// fleet again without growing a new slice.
func PlanFleet(dst []Outcome, shoots []Shoot) []Outcome {
	dst = growOutcomes(dst, len(shoots))
	for i := range shoots {
		s := &shoots[i]
		r, err := Plan(s.Current, s.Desired, s.Policy)
		if err != nil {
			err = fmt.Errorf("shoot %s: %w", s.Name, err)
		}
		dst = append(dst, Outcome{Result: r, Err: err})
	}
	return dst
}

func growOutcomes(dst []Outcome, n int) []Outcome {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	grown := make([]Outcome, len(dst), len(dst)+n)
	copy(grown, dst)
	return grown
}
