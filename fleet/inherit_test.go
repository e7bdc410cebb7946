package fleet_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// inheritBase is a valid fleet without metal, so that pools may set zones.
const inheritBase = `package fleet

defaults: {
	cloudProfile:       "local"
	region:             "local"
	credentialsBinding: "creds"
	kubernetes: version: "1.36.2"
	networking: type:    "calico"
	provider: type:      "local"
	pool: machine:       "m1"
}
projects: a: {}
environments: dev: {}
`

func loadFiles(t *testing.T, files map[string]string) *fleet.Fleet {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := fleet.Load(dir)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, fleet.Details(err, dir))
	}
	return f
}

// The cases the fleet-language issue reported: a list of a general layer
// leaked fields into the first item of the specific layer's list.
func TestListsOfObjectsAreNotMergedItemByItem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		layered, alone string
		compare        func(s fleet.Shoot) any
	}{
		{
			name: "a shoot's weekend window replaces its environment's windows",
			layered: `environments: dev: hibernation: {location: "Europe/Berlin", windows: [{days: "weekdays", start: "19:00", end: "07:00"}, {days: "weekends"}]}
shoots: s: {project: "a", environment: "dev", pools: p: {}, hibernation: windows: [{days: "weekends"}]}`,
			alone: `environments: dev: hibernation: location: "Europe/Berlin"
shoots: s: {project: "a", environment: "dev", pools: p: {}, hibernation: windows: [{days: "weekends"}]}`,
			compare: func(s fleet.Shoot) any { return s.Hibernation },
		},
		{
			name: "a shoot's own extension replaces the default extensions",
			layered: `defaults: extensions: [{type: "shoot-dns-service", providerConfig: {apiVersion: "service.dns.extensions.gardener.cloud/v1alpha1", kind: "DNSConfig"}}]
shoots: s: {project: "a", pools: p: {}, extensions: [{type: "acl"}]}`,
			alone:   `shoots: s: {project: "a", pools: p: {}, extensions: [{type: "acl"}]}`,
			compare: func(s fleet.Shoot) any { return s.Extensions },
		},
		{
			name: "a pool's taint takes no value from a default taint",
			layered: `defaults: pool: taints: [{key: "dedicated", value: "infra", effect: "NoSchedule"}]
shoots: s: {project: "a", pools: p: taints: [{key: "gpu", effect: "NoExecute"}]}`,
			alone:   `shoots: s: {project: "a", pools: p: taints: [{key: "gpu", effect: "NoExecute"}]}`,
			compare: func(s fleet.Shoot) any { return s.Pools[0].Taints },
		},
		{
			name: "a shoot schedule with only a start takes no end from a default",
			layered: `defaults: hibernation: schedules: [{start: "0 20 * * 1-5", end: "0 6 * * 1-5"}]
shoots: s: {project: "a", pools: p: {}, hibernation: schedules: [{start: "0 22 * * *"}]}`,
			alone:   `shoots: s: {project: "a", pools: p: {}, hibernation: schedules: [{start: "0 22 * * *"}]}`,
			compare: func(s fleet.Shoot) any { return s.Hibernation },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := loadFiles(t, map[string]string{"base.cue": inheritBase, "case.cue": "package fleet\n" + tt.layered})
			want := loadFiles(t, map[string]string{"base.cue": inheritBase, "case.cue": "package fleet\n" + tt.alone})
			if diff := cmp.Diff(tt.compare(want.Shoots[0]), tt.compare(got.Shoots[0])); diff != "" {
				t.Errorf("(-the shoot's own list +rendered):\n%s", diff)
			}
		})
	}
}

// listChoices are values each list field may take in a layer.
var listChoices = []struct {
	field   string // where a layer sets it, in CUE
	values  []string
	extract func(s fleet.Shoot) any
}{
	{"hibernation: windows", []string{
		`[{days: "weekdays", start: "19:00", end: "07:00"}, {days: "weekends"}]`,
		`[{days: "weekends"}]`,
		`[{days: ["mon"], start: "22:00", location: "Europe/Berlin"}]`,
		`[]`,
	}, func(s fleet.Shoot) any { return s.Hibernation }},
	{"extensions", []string{
		`[{type: "shoot-dns-service", providerConfig: {kind: "DNSConfig"}}, {type: "acl", disabled: true}]`,
		`[{type: "acl"}]`,
		`[{type: "shoot-cert-service", providerConfig: {issuers: [{name: "x"}]}}]`,
	}, func(s fleet.Shoot) any { return s.Extensions }},
	{"pool: taints", []string{
		`[{key: "dedicated", value: "infra", effect: "NoSchedule"}, {key: "b", effect: "NoExecute"}]`,
		`[{key: "gpu", effect: "NoExecute"}]`,
		`[]`,
	}, func(s fleet.Shoot) any { return s.Pools[0].Taints }},
	{"pool: zones", []string{`["a", "b", "c"]`, `["z"]`}, func(s fleet.Shoot) any { return s.Pools[0].Zones }},
	{"networking: ipFamilies", []string{`["IPv4", "IPv6"]`, `["IPv6"]`}, func(s fleet.Shoot) any { return s.Networking.IPFamilies }},
}

// Over random layerings, every list of a shoot is the list of the most
// specific layer that sets it, as if no other layer set it.
func TestListInheritanceProperty(t *testing.T) {
	t.Parallel()
	layerNames := []string{"defaults", "environments: dev", "projects: a", "shoots: s"}
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 25 {
		// layers[i][c] is the value layer i gives list c, or "".
		layers := make([][]string, len(layerNames))
		for i := range layers {
			layers[i] = make([]string, len(listChoices))
			for c, choice := range listChoices {
				if rng.IntN(2) == 0 {
					layers[i][c] = choice.values[rng.IntN(len(choice.values))]
				}
			}
		}
		layered := fleetOf(layerNames, layers)
		// The expectation: the shoot alone sets each list, to the most
		// specific layer's value.
		alone := make([][]string, len(layerNames))
		for i := range alone {
			alone[i] = make([]string, len(listChoices))
		}
		for c := range listChoices {
			for i := len(layers) - 1; i >= 0; i-- {
				if layers[i][c] != "" {
					alone[len(layers)-1][c] = layers[i][c]
					break
				}
			}
		}
		t.Run(fmt.Sprint(iter), func(t *testing.T) {
			t.Parallel()
			got := loadFiles(t, map[string]string{"base.cue": inheritBase, "case.cue": layered})
			want := loadFiles(t, map[string]string{"base.cue": inheritBase, "case.cue": fleetOf(layerNames, alone)})
			for _, choice := range listChoices {
				if diff := cmp.Diff(choice.extract(want.Shoots[0]), choice.extract(got.Shoots[0])); diff != "" {
					t.Errorf("%s of\n%s\n(-most specific layer's +rendered):\n%s", choice.field, layered, diff)
				}
			}
		})
	}
}

func fleetOf(layerNames []string, layers [][]string) string {
	var b strings.Builder
	b.WriteString("package fleet\n")
	for i, name := range layerNames {
		for c, v := range layers[i] {
			if v != "" {
				fmt.Fprintf(&b, "%s: %s: %s\n", name, listChoices[c].field, v)
			}
		}
	}
	b.WriteString("shoots: s: {project: \"a\", environment: \"dev\", pools: p: {}}\n")
	return b.String()
}
