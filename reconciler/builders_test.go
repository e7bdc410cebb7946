package reconciler

import (
	"cmp"
	"fmt"
	"strings"
)

// fleetBuilder writes a fleet repo for tests: one project (PROJECT, replaced
// by the harness) and shoots on the landscape's "local" CloudProfile.
type fleetBuilder struct {
	waves  []string
	shoots []*shootBuilder
	extra  string
}

// shootBuilder is one shoot: its control plane version and pools; only what
// a test sets differs from the defaults.
type shootBuilder struct {
	name, version string
	profile       string   // the CloudProfile; "local" when empty
	pools         []string // CUE of each pool
	rollout       []string // CUE lines inside rollout
	extra         []string // CUE lines inside the shoot
}

func newFleet() *fleetBuilder { return &fleetBuilder{} }

// shoot adds a shoot at version with pools a (inheriting) and b at poolB
// (inheriting when empty).
func (f *fleetBuilder) shoot(name, version, poolB string) *shootBuilder {
	s := &shootBuilder{name: name, version: version}
	s.pools = append(s.pools, `a: {machine: "local", minimum: 1, maximum: 2}`)
	if poolB == "" {
		s.pools = append(s.pools, `b: {machine: "local"}`)
	} else {
		s.pools = append(s.pools, fmt.Sprintf(`b: {machine: "local", kubernetes: version: %q}`, poolB))
	}
	f.shoots = append(f.shoots, s)
	return s
}

func (s *shootBuilder) with(lines ...string) *shootBuilder {
	s.extra = append(s.extra, lines...)
	return s
}

// on puts the shoot on another CloudProfile than "local".
func (s *shootBuilder) on(profile string) *shootBuilder {
	s.profile = profile
	return s
}

func (s *shootBuilder) rolloutWith(lines ...string) *shootBuilder {
	s.rollout = append(s.rollout, lines...)
	return s
}

func (f *fleetBuilder) wave(cue string) *fleetBuilder {
	f.waves = append(f.waves, cue)
	return f
}

// files renders the repository: fleet.cue with the project and waves,
// shoots.cue with the shoots.
func (f *fleetBuilder) files() map[string]string {
	var fl strings.Builder
	fl.WriteString("package fleet\n\nprojects: PROJECT: {}\n")
	if len(f.waves) > 0 {
		fmt.Fprintf(&fl, "waves: [%s]\n", strings.Join(f.waves, ", "))
	}
	fl.WriteString(f.extra)

	var sh strings.Builder
	sh.WriteString("package fleet\n\nshoots: {\n")
	for _, s := range f.shoots {
		fmt.Fprintf(&sh, "\t%q: {\n", s.name)
		sh.WriteString("\t\tproject: \"PROJECT\"\n")
		fmt.Fprintf(&sh, "\t\tcloudProfile: %q\n\t\tregion: \"local\"\n\t\tpurpose: \"evaluation\"\n", cmp.Or(s.profile, "local"))
		sh.WriteString("\t\tprovider: type: \"local\"\n\t\tcredentialsBinding: \"creds\"\n")
		sh.WriteString("\t\tnetworking: {type: \"calico\", pods: \"10.240.0.0/13\", services: \"10.248.0.0/18\"}\n")
		fmt.Fprintf(&sh, "\t\tkubernetes: version: %q\n", s.version)
		sh.WriteString("\t\tpools: {\n")
		for _, p := range s.pools {
			fmt.Fprintf(&sh, "\t\t\t%s\n", p)
		}
		sh.WriteString("\t\t}\n")
		if len(s.rollout) > 0 {
			sh.WriteString("\t\trollout: {\n")
			for _, l := range s.rollout {
				fmt.Fprintf(&sh, "\t\t\t%s\n", l)
			}
			sh.WriteString("\t\t}\n")
		}
		for _, l := range s.extra {
			fmt.Fprintf(&sh, "\t\t%s\n", l)
		}
		sh.WriteString("\t}\n")
	}
	sh.WriteString("}\n")
	return map[string]string{"fleet.cue": fl.String(), "shoots.cue": sh.String()}
}
