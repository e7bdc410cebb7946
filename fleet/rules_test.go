package fleet_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// baseFleet is valid on its own; each case adds case.cue to it.
const baseFleet = `package fleet

defaults: {
	cloudProfile:       "metal"
	region:             "local"
	credentialsBinding: "creds"
	kubernetes: version: "1.36.2"
	networking: type:    "calico"
	provider: metal: {
		partition: "mini-lab"
		project:   "p-1"
		tenant:    "t-1"
		firewall: {size: "v1-small-x86", image: "fw-3.0", networks: ["internet"]}
	}
	pool: machine: "v1-small-x86"
}
projects: a: {}
environments: dev: {}
`

// loadCase loads the base fleet with case.cue, and other.cue when given.
func loadCase(t *testing.T, caseSrc string, otherSrc ...string) (*fleet.Fleet, []string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{"base.cue": []byte(baseFleet)}
	if caseSrc != "" {
		files["case.cue"] = []byte("package fleet\n\n" + caseSrc)
	}
	for _, src := range otherSrc {
		files["other.cue"] = []byte("package fleet\n\n" + src)
	}
	f, err := fleet.LoadSource(dir, files)
	if err == nil {
		return f, nil
	}
	var got []string
	for _, is := range fleet.Issues(err, dir) {
		got = append(got, is.String())
	}
	if len(got) == 0 {
		t.Fatalf("load failed without issues: %v", err)
	}
	return nil, got
}

func TestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		src   string
		extra string   // other.cue, when set
		want  []string // exact issues; none means valid
	}{
		// valid fleets
		{name: "base alone is valid"},
		{name: "pool three minors behind is allowed", src: `shoots: s: {project: "a", pools: old: kubernetes: version: "1.33.9"}`},
		{name: "pool on the control plane version", src: `shoots: s: {project: "a", pools: p: kubernetes: version: "1.36.2"}`},
		{name: "workerless shoot drops inherited worker settings", src: `shoots: cp: {project: "a", provider: type: "local"}`},
		{name: "hibernation windows and raw cron together", src: `shoots: s: {project: "a", pools: p: {}, hibernation: {
	location: "Europe/Berlin"
	windows: [{days: "weekdays", start: "19:00", end: "07:00"}]
	schedules: [{start: "30 12 * * 0", end: "30 13 * * 0"}]
}}`},

		// schema (CUE) errors
		{name: "pool name longer than 15 characters", src: `shoots: s: {project: "a", pools: "averyveryverylongpool": {}}`,
			want: []string{`case.cue:3:34: shoots.s.pools.averyveryverylongpool: pool name "averyveryverylongpool" is not valid: at most 15 lowercase letters, digits and '-', starting and ending with a letter or digit`}},
		{name: "shoot name longer than 21 characters", src: `shoots: "a-shoot-name-far-too-long": {project: "a", pools: p: {}}`,
			want: []string{`case.cue:3:9: shoots."a-shoot-name-far-too-long": shoot name "a-shoot-name-far-too-long" is not valid: at most 21 lowercase letters, digits and '-', starting and ending with a letter or digit`}},
		{name: "project name with capitals", src: `projects: Ops: {}`,
			want: []string{`case.cue:3:11: projects.Ops: project name "Ops" is not valid: at most 10 lowercase letters, digits and '-', starting and ending with a letter or digit`}},
		{name: "environment name ending in a dash", src: `environments: "dev-": {}`,
			want: []string{`case.cue:3:15: environments."dev-": environment name "dev-" is not valid: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`}},
		{name: "lab name with a space", src: `labs: "mini lab": nodes: a: kind: "linux"`,
			want: []string{`case.cue:3:7: labs."mini lab": lab name "mini lab" is not valid: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit, as it names a Kubernetes object`}},
		{name: "a field the schema does not know", src: `shoots: s: {project: "a", pools: p: {}, colour: "blue"}`,
			want: []string{`case.cue:3:41: shoots.s.colour: field not allowed`}},
		{name: "a fleet's own policy on a schema definition", src: `#Shoot: purpose: "production"
shoots: s: {project: "a", pools: p: {}, purpose: "development"}`,
			want: []string{
				`case.cue:3:18: shoots.s.purpose: conflicting values "production" and "development" (also case.cue:4:50)`,
				`case.cue:4:41: shoots.s.purpose: 3 errors in empty disjunction:`,
				`case.cue:4:50: shoots.s.purpose: conflicting values "evaluation" and "development"`,
				`case.cue:4:50: shoots.s.purpose: conflicting values "testing" and "development"`,
			}},
		{name: "a default of the fleet's that the schema rules out gives way", src: `shoots: s: {project: "a", pools: p: {}, purpose: *"staging" | "production"}`},
		{name: "minimum must be a number", src: `shoots: s: {project: "a", pools: p: minimum: "three"}`,
			want: []string{`case.cue:3:46: shoots.s.pools.p.minimum: conflicting values "three" and int (mismatched types string and int)`}},
		{name: "unknown top-level field", src: `shots: {}`,
			want: []string{`case.cue:3:1: shots: unknown field "shots": a fleet has defaults, environments, projects, shoots, labs and waves (use a hidden _shots for helpers)`}},

		// references
		{name: "undeclared project", src: `shoots: s: {project: "b", pools: p: {}}`,
			want: []string{`case.cue:3:22: shoots.s.project: project "b" is not declared in projects`}},
		{name: "undeclared environment", src: `shoots: s: {project: "a", environment: "prod", pools: p: {}}`,
			want: []string{`case.cue:3:40: shoots.s.environment: environment "prod" is not declared in environments`}},

		// version skew

		// workerless
		{name: "workerless metal shoot", src: `shoots: cp: {project: "a"}`,
			want: []string{`case.cue:3:9: shoots.cp: a workerless shoot cannot use provider metal: metal shoots need worker pools; it inherits provider metal from defaults.provider at base.cue:9:2: set provider.type on the shoot`}},
		{name: "workerless shoot asking for metal itself", src: `shoots: cp: {project: "a", provider: type: "metal"}`,
			want: []string{`case.cue:3:28: shoots.cp.provider: a workerless shoot cannot use provider metal: metal shoots need worker pools`}},
		{name: "missing project", src: `shoots: s: pools: p: {}`,
			want: []string{`case.cue:3:9: shoots.s.project: required field "project" is not set`}},
		{name: "a shoot declared in two files with conflicting values", src: `shoots: s: {project: "a", pools: p: {}, region: "eu"}`, extra: `shoots: s: region: "us"`,
			want: []string{`other.cue:3:20: shoots.s.region: conflicting values "us" and "eu" (also case.cue:3:49)`}},

		// metal

		// pools

		// hibernation
		{name: "bad cron", src: `shoots: s: {project: "a", pools: p: {}, hibernation: schedules: [{start: "0 25 * * *"}]}`,
			want: []string{`case.cue:3:74: shoots.s.hibernation.schedules.0.start: schedule 1 start "0 25 * * *" is not a valid cron expression: end of range (25) above maximum (23): 25`}},
		{name: "unknown time zone", src: `shoots: s: {project: "a", pools: p: {}, hibernation: {location: "Europe/Berln", windows: [{days: "weekends"}]}}`,
			want: []string{`case.cue:3:65: shoots.s.hibernation.location: window 1: unknown time zone "Europe/Berln"`}},
		{name: "unknown time zone of a window", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [{days: "weekends"}, {days: "daily", start: "01:00", end: "02:00", location: "Mars/Olympus"}]}`,
			want: []string{`case.cue:3:140: shoots.s.hibernation.windows.1.location: window 2: unknown time zone "Mars/Olympus"`}},
		{name: "one typo in days is one error at the day", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [{days: ["mon", "tuee"], start: "19:00"}]}`,
			want: []string{`case.cue:3:79: shoots.s.hibernation.windows.0.days.1: window 1: unknown day "tuee": use mon..sun`}},
		{name: "unknown days word", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [{days: "weekend"}]}`,
			want: []string{`case.cue:3:71: shoots.s.hibernation.windows.0.days: window 1: unknown days "weekend": use daily, weekdays, weekends or a list of mon..sun`}},
		{name: "a day listed twice", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [{days: ["sat", "sun", "sat"]}]}`,
			want: []string{`case.cue:3:86: shoots.s.hibernation.windows.0.days.2: window 1: day "sat" is listed twice`}},
		{name: "start 24:00", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [{days: "weekends", start: "24:00"}]}`,
			want: []string{`case.cue:3:90: shoots.s.hibernation.windows.0.start: window 1: start 24:00: write 00:00 of the next day`}},
		{name: "duplicate cron", src: `shoots: s: {project: "a", pools: p: {}, hibernation: schedules: [{start: "0 19 * * 1"}, {start: "0 19 * * 1"}]}`,
			want: []string{`case.cue:3:97: shoots.s.hibernation.schedules.1.start: schedule 2 start "0 19 * * 1" is used twice; Gardener rejects duplicate cron strings`}},
		{name: "same window in two time zones repeats a cron string", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [
	{days: "weekends", location: "Asia/Tokyo"},
	{days: "weekends", location: "Europe/Berlin"},
]}`,
			want: []string{
				`case.cue:3:54: shoots.s.hibernation.windows: schedule 2 end "00 00 * * 1" is used twice; Gardener rejects duplicate cron strings`,
				`case.cue:3:54: shoots.s.hibernation.windows: schedule 2 start "00 00 * * 6" is used twice; Gardener rejects duplicate cron strings`,
			}},
		{name: "windows covering the whole week", src: `shoots: s: {project: "a", pools: p: {}, hibernation: windows: [{days: "daily"}]}`,
			want: []string{`case.cue:3:54: shoots.s.hibernation.windows: windows cover the whole week (UTC): set hibernation.enabled: true instead`}},
		{name: "enabled together with windows", src: `shoots: s: {project: "a", pools: p: {}, hibernation: {enabled: true, windows: [{days: "weekends"}]}}`,
			want: []string{`case.cue:3:64: shoots.s.hibernation.enabled: hibernation.enabled cannot be set together with windows or schedules: Gardener's hibernation controller owns it then`}},

		// shoot settings

		// rollout
		{name: "steps confined to the maintenance window", src: `shoots: s: {project: "a", pools: p: {}, rollout: window: "maintenance"}`},
		{name: "an unknown rollout window", src: `shoots: s: {project: "a", pools: p: {}, rollout: window: "weekends"}`,
			want: []string{`case.cue:3:58: shoots.s.rollout.window: conflicting values "maintenance" and "weekends"`}},
		{name: "dependsOn unknown shoot", src: `shoots: s: {project: "a", pools: p: {}, rollout: dependsOn: ["nope"]}`,
			want: []string{`case.cue:3:50: shoots.s.rollout.dependsOn: shoot "s" depends on "nope", which is neither a shoot nor a lab of this fleet`}},
		{name: "dependsOn cycle", src: `shoots: {
	x: {project: "a", pools: p: {}, rollout: dependsOn: ["y"]}
	y: {project: "a", pools: p: {}, rollout: dependsOn: ["x"]}
}`,
			want: []string{`case.cue:4:43: shoots.x.rollout.dependsOn: dependsOn forms a cycle: x -> y -> x`}},

		{name: "waves in order", src: `waves: [{name: "canary", maxParallel: 1, bakeTime: "10m"}, {name: "prod"}]
shoots: s: {project: "a", pools: p: {}, rollout: wave: "canary"}`},
		{name: "undeclared wave", src: `waves: [{name: "canary"}]
shoots: s: {project: "a", pools: p: {}, rollout: wave: "prod"}`,
			want: []string{`case.cue:4:56: shoots.s.rollout.wave: shoot "s" joins wave "prod", which is not declared in waves`}},
		{name: "wave declared twice", src: `waves: [{name: "canary"}, {name: "canary"}]`,
			want: []string{`case.cue:3:34: waves.1.name: wave "canary" is declared twice`}},

		// labs
		{name: "lab with groups, kinds settings and both management subnets", src: `labs: l: {
	mgmt: {"ipv4-subnet": "172.20.20.0/24", "ipv6-subnet": "3fff:172:20:20::/64"}
	kinds: nokia_srlinux: {image: "ghcr.io/nokia/srlinux", type: "ixr-d2l"}
	groups: spines: kind: "nokia_srlinux"
	nodes: {s1: group: "spines", h1: {kind: "linux", labels: role: "host", "network-mode": "none"}}
	links: [{endpoints: ["s1:e1-1", "h1:eth1"], mtu: 9000}]
}`},
		{name: "lab link to an unknown node", src: `labs: l: {nodes: a: kind: "linux", links: [{endpoints: ["a:eth1", "b:eth1"]}]}`,
			want: []string{`case.cue:3:44: labs.l.links.0: endpoint "b:eth1": no node "b" in lab "l"`}},
		{name: "lab endpoint used twice", src: `labs: l: {nodes: {a: kind: "linux", b: kind: "linux"}, links: [{endpoints: ["a:eth1", "b:eth1"]}, {endpoints: ["a:eth1", "b:eth2"]}]}`,
			want: []string{`case.cue:3:99: labs.l.links.1: endpoint "a:eth1" is already used by links.0`}},
		{name: "lab link thirteen is links.12 in path and message", src: `import "list"

labs: l: {nodes: a: kind: "linux", links: [for i in list.Range(0, 12, 1) {endpoints: ["a:e\(i)", "a:f\(i)"]}, {endpoints: ["a:e0", "a:g"]}]}`,
			want: []string{`case.cue:5:111: labs.l.links.12: endpoint "a:e0" is already used by links.0`}},
		{name: "lab endpoint with a space", src: `labs: l: {nodes: a: kind: "linux", links: [{endpoints: ["a:eth 1", "a:eth2"]}]}`,
			want: []string{`case.cue:3:57: labs.l.links.0.endpoints.0: invalid value "a:eth 1" (out of bound =~"^[^:\\s]+:[^:\\s]+$")`}},
		{name: "lab node without kind", src: `labs: l: nodes: a: image: "alpine"`,
			want: []string{`case.cue:3:17: labs.l.nodes.a: node "a" has no kind: set kind on the node, its group, or the lab defaults`}},
		{name: "lab node in a misspelt group", src: `labs: l: {groups: spines: kind: "linux", nodes: a: group: "spnies"}`,
			want: []string{`case.cue:3:59: labs.l.nodes.a.group: node "a": unknown group "spnies"; the lab's groups are spines`}},
		{name: "lab node in a group of a lab without groups", src: `labs: l: nodes: a: {kind: "linux", group: "spines"}`,
			want: []string{`case.cue:3:43: labs.l.nodes.a.group: node "a": unknown group "spines"; the lab has no groups`}},
		{name: "lab name with an underscore and capitals", src: `labs: DC_fabric: nodes: a: kind: "linux"`,
			want: []string{`case.cue:3:7: labs.DC_fabric: lab name "DC_fabric" is not valid: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit, as it names a Kubernetes object`}},
		{name: "lab name with a dot", src: `labs: "dc.fabric": nodes: a: kind: "linux"`,
			want: []string{`case.cue:3:7: labs."dc.fabric": lab name "dc.fabric" is not valid: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit, as it names a Kubernetes object`}},
		{name: "lab name of 64 characters", src: `labs: "` + strings.Repeat("a", 64) + `": nodes: a: kind: "linux"`,
			want: []string{`case.cue:3:7: labs.` + strings.Repeat("a", 64) + `: lab name "` + strings.Repeat("a", 64) + `" is not valid: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit, as it names a Kubernetes object`}},
		{name: "lab node of an unknown kind", src: `labs: l: nodes: a: kind: "nokia_srlinx"`,
			want: []string{`case.cue:3:26: labs.l.nodes.a.kind: unknown kind "nokia_srlinx": not one of containerlab's kinds`}},
		{name: "lab defaults and group of unknown kinds", src: `labs: l: {defaults: kind: "lnux", groups: g: kind: "sonic", nodes: a: kind: "linux"}`,
			want: []string{
				`case.cue:3:27: labs.l.defaults.kind: unknown kind "lnux": not one of containerlab's kinds`,
				`case.cue:3:52: labs.l.groups.g.kind: unknown kind "sonic": not one of containerlab's kinds`,
			}},
		{name: "lab settings for an unknown kind", src: `labs: l: {kinds: lnux: image: "alpine", nodes: a: kind: "linux"}`,
			want: []string{`case.cue:3:18: labs.l.kinds.lnux: unknown kind "lnux": not one of containerlab's kinds`}},
		{name: "lab settings for a kind containerlab takes none for", src: `labs: l: {kinds: border0: image: "x", nodes: a: kind: "linux"}`,
			want: []string{`case.cue:3:18: labs.l.kinds.border0: containerlab takes no kinds settings for "border0": set them on its nodes or a group`}},
		{name: "lab IPv4 subnet that is no CIDR", src: `labs: l: {mgmt: "ipv4-subnet": "172.20.20.0/33", nodes: a: kind: "linux"}`,
			want: []string{`case.cue:3:32: labs.l.mgmt.ipv4-subnet: ipv4-subnet "172.20.20.0/33" is not an IPv4 network in CIDR notation such as 172.20.20.0/24`}},
		{name: "lab IPv4 subnet given an IPv6 network", src: `labs: l: {mgmt: "ipv4-subnet": "3fff::/64", nodes: a: kind: "linux"}`,
			want: []string{`case.cue:3:32: labs.l.mgmt.ipv4-subnet: ipv4-subnet "3fff::/64" is not an IPv4 network in CIDR notation such as 172.20.20.0/24`}},
		{name: "lab IPv4 subnet with host bits", src: `labs: l: {mgmt: "ipv4-subnet": "172.20.20.1/24", nodes: a: kind: "linux"}`,
			want: []string{`case.cue:3:32: labs.l.mgmt.ipv4-subnet: ipv4-subnet "172.20.20.1/24" has host bits set: the network is 172.20.20.0/24`}},
		{name: "lab IPv6 subnet that is an address", src: `labs: l: {mgmt: "ipv6-subnet": "3fff::1", nodes: a: kind: "linux"}`,
			want: []string{`case.cue:3:32: labs.l.mgmt.ipv6-subnet: ipv6-subnet "3fff::1" is not an IPv6 network in CIDR notation such as 3fff:172:20:20::/64`}},
		// containerlab's schema catches what the rules above do not name
		{name: "lab node type its kind does not have", src: `labs: l: nodes: a: {kind: "nokia_srlinux", type: "ixr-d9"}`,
			want: []string{`case.cue:3:50: labs.l.nodes.a.type: containerlab's schema refuses this: "ixr-d9" is not a value it allows here (ixsa1, ixs-a1, ixrd1, ixr-d1, ixrd2 and 48 more)`}},
		{name: "lab node network mode containerlab refuses", src: `labs: l: nodes: a: {kind: "linux", "network-mode": "bridge"}`,
			want: []string{`case.cue:3:52: labs.l.nodes.a.network-mode: containerlab's schema refuses this: 'bridge' does not match pattern '^(host)|(container:\\S+)|(none)$'`}},
		{name: "lab node with an empty label and a bad management address", src: `labs: l: nodes: a: {kind: "linux", labels: role: "", "mgmt-ipv4": "172.20.20.300"}`,
			want: []string{
				`case.cue:3:50: labs.l.nodes.a.labels.role: containerlab's schema refuses this: minLength: got 0, want 1`,
				`case.cue:3:67: labs.l.nodes.a.mgmt-ipv4: containerlab's schema refuses this: '172.20.20.300' does not match pattern '^(([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\\.){3}([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])(%[\\p{N}\\p{L}]+)?$'`,
			}},
		{name: "lab node binding one file twice", src: `labs: l: nodes: a: {kind: "linux", binds: ["a:/a", "a:/a"]}`,
			want: []string{`case.cue:3:36: labs.l.nodes.a.binds: containerlab's schema refuses this: items at 0 and 1 are equal`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var other []string
			if tt.extra != "" {
				other = append(other, tt.extra)
			}
			_, got := loadCase(t, tt.src, other...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	t.Parallel()
	_, got := loadCase(t, `shoots: {
	x: {project: "nope", pools: p: {}}
	y: {project: "a", environment: "prod", pools: p: {}}
}`)
	want := []string{
		`case.cue:4:15: shoots.x.project: project "nope" is not declared in projects`,
		`case.cue:5:33: shoots.y.environment: environment "prod" is not declared in environments`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
}

func TestWorkerlessDropsInheritedSettings(t *testing.T) {
	t.Parallel()
	f, issues := loadCase(t, `shoots: cp: {project: "a", provider: type: "local", networking: services: "10.0.0.0/16"}`)
	if issues != nil {
		t.Fatalf("unexpected issues: %v", issues)
	}
	s := f.Shoots[0]
	if s.CredentialsBinding != "" || s.Networking.Type != "" || s.Provider.Metal != nil {
		t.Errorf("inherited worker settings kept: binding %q, networking type %q, metal %v", s.CredentialsBinding, s.Networking.Type, s.Provider.Metal)
	}
	if s.Networking.Services != "10.0.0.0/16" {
		t.Errorf("services = %q, want 10.0.0.0/16", s.Networking.Services)
	}
}

func TestInheritance(t *testing.T) {
	t.Parallel()
	f, issues := loadCase(t, `
environments: dev: {purpose: "development", labels: {env: "dev", tier: "x"}}
projects: a: {region: "eu", labels: tier: "project"}
shoots: s: {project: "a", environment: "dev", labels: own: "yes", pools: p: {maximum: 4}}
`)
	if issues != nil {
		t.Fatalf("unexpected issues: %v", issues)
	}
	s := f.Shoots[0]
	if s.Purpose != "development" || s.Region != "eu" {
		t.Errorf("purpose %q region %q, want development and eu", s.Purpose, s.Region)
	}
	wantLabels := map[string]string{"env": "dev", "tier": "project", "own": "yes"}
	if diff := cmp.Diff(wantLabels, s.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	p := s.Pools[0]
	if p.Machine != "v1-small-x86" || *p.Maximum != 4 {
		t.Errorf("pool machine %q maximum %d, want the default machine and 4", p.Machine, *p.Maximum)
	}
}

// A default the schema rules out must give way to the other choice, as CUE
// resolves the whole package, however the loader evaluates it.
func TestFleetDefaultThatTheSchemaRulesOut(t *testing.T) {
	t.Parallel()
	f, issues := loadCase(t, `shoots: s: {project: "a", pools: p: {}, purpose: *"staging" | "production"}`)
	if issues != nil {
		t.Fatalf("unexpected issues: %v", issues)
	}
	if got := f.Shoots[0].Purpose; got != "production" {
		t.Errorf("purpose %q, want production", got)
	}
}

// CUE's own errors come all at once too, across shoots and kinds of error.
func TestAllSchemaErrorsAtOnce(t *testing.T) {
	t.Parallel()
	_, got := loadCase(t, `shoots: {
	x: {project: "a", pools: p: {}, kubernetes: version: "1.36"}
	y: {project: "a", pools: p: {}, colour: "blue"}
	z: {project: "a", pools: p: minimum: "three"}
}`)
	want := []string{
		`case.cue:4:55: shoots.x.kubernetes.version: invalid value "1.36" (out of bound =~"^v?[0-9]+\\.[0-9]+\\.[0-9]+$")`,
		`case.cue:5:34: shoots.y.colour: field not allowed`,
		`case.cue:6:39: shoots.z.pools.p.minimum: conflicting values "three" and int (mismatched types string and int)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
}
