package preview

import (
	"slices"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// Wave is one wave of the rollout with the shoots that upgrade in it.
type Wave struct {
	// Name is the wave's name; "" holds the shoots in no wave, which go
	// after all waves.
	Name string `json:"name"`
	// MaxParallel limits how many of its shoots upgrade at once; 0 is no limit.
	MaxParallel int `json:"maxParallel"`
	// BakeTime is how long the wave must stay healthy before the next starts.
	BakeTime string `json:"bakeTime,omitempty"`
	// Shoots are namespace/name, sorted.
	Shoots []string `json:"shoots"`
}

// waves groups the shoots with steps by wave, in the fleet's wave order.
// Waves without such shoots are left out.
func waves(upgrades []Upgrade, f *fleet.Fleet) []Wave {
	if f == nil {
		return []Wave{}
	}
	byWave := map[string][]string{}
	for _, u := range upgrades {
		if len(u.Steps) == 0 || u.Error != "" {
			continue
		}
		byWave[u.Wave] = append(byWave[u.Wave], u.Shoot)
	}
	out := []Wave{}
	declared := map[string]bool{}
	for _, w := range f.Waves {
		declared[w.Name] = true
		if shoots := byWave[w.Name]; len(shoots) > 0 {
			slices.Sort(shoots)
			out = append(out, Wave{Name: w.Name, MaxParallel: w.MaxParallel, BakeTime: w.RawBake, Shoots: shoots})
		}
	}
	var rest []string
	for name, shoots := range byWave {
		if !declared[name] {
			rest = append(rest, shoots...)
		}
	}
	if len(rest) > 0 {
		slices.Sort(rest)
		out = append(out, Wave{Shoots: rest})
	}
	return out
}
