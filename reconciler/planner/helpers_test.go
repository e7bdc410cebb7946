package planner

import (
	"strings"
	"testing"
)

// Fixture builders. Versions are strings so that tables read like the plans
// people write down.

// profile builds a catalog from "1.33.4" (supported) or "1.33.4:preview".
func profile(t testing.TB, entries ...string) *Catalog {
	t.Helper()
	versions := make([]ProfileVersion, 0, len(entries))
	for _, e := range entries {
		s, class, _ := strings.Cut(e, ":")
		versions = append(versions, ProfileVersion{Version: MustParseVersion(s), Classification: Classification(class)})
	}
	c, err := NewCatalog(versions)
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	return c
}

// live builds a shoot from its control plane and pools "a=1.33.4" (rolling)
// or "b=1.31.2:inplace".
func live(cp string, pools ...string) Current {
	c := Current{ControlPlane: MustParseVersion(cp)}
	for _, p := range pools {
		name, rest, _ := strings.Cut(p, "=")
		ver, strategy, _ := strings.Cut(rest, ":")
		c.Pools = append(c.Pools, Pool{Name: name, Version: MustParseVersion(ver), InPlace: strategy == "inplace"})
	}
	return c
}

// want builds desired versions from a control plane and pins "b=1.31.2".
func want(cp string, pins ...string) Desired {
	d := Desired{ControlPlane: MustParseVersion(cp)}
	for _, p := range pins {
		if d.Pools == nil {
			d.Pools = map[string]Version{}
		}
		name, ver, _ := strings.Cut(p, "=")
		d.Pools[name] = MustParseVersion(ver)
	}
	return d
}

// state builds a State from a control plane and pools "a=1.33.4".
func state(cp string, pools ...string) State {
	s := State{ControlPlane: MustParseVersion(cp)}
	for _, p := range pools {
		name, ver, _ := strings.Cut(p, "=")
		s.Pools = append(s.Pools, PoolVersion{Name: name, Version: MustParseVersion(ver)})
	}
	return s
}

func steps(s ...State) []State { return s }
