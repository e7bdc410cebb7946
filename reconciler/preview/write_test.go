package preview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// goldenInputs are the reports whose three formats are kept in
// testdata/<name>/; GARDENFLEET_UPDATE=1 rewrites them.
func goldenInputs() map[string]Input {
	f := &fleet.Fleet{
		Waves: []fleet.Wave{
			{Name: "canary", RawBake: "30m", BakeTime: 30 * time.Minute},
			{Name: "prod", MaxParallel: 1, RawBake: "1h", BakeTime: time.Hour},
		},
		Shoots: []fleet.Shoot{
			fleetShoot("garden-apps", "dev", fleet.Rollout{Wave: "canary"}),
			fleetShoot("garden-platform", "metal-prod", fleet.Rollout{Wave: "prod", DependsOn: []string{"dev"}}),
			fleetShoot("garden-platform", "cp-service", fleet.Rollout{Wave: "prod"}),
			fleetShoot("garden-platform", "legacy", fleet.Rollout{}),
		},
	}
	lab := "name: mini-lab\ntopology:\n  nodes:\n    exit:\n      image: quay.io/frrouting/frr:10.0.1\n      kind: linux\n    leaf01:\n      group: leaves\n    leaf02:\n      group: leaves\n    machine01:\n      group: machines\n"
	changes := Input{
		Base: "origin/main (3f2a1bc)",
		BaseObjects: objs(
			testNamespace("labs"),
			testProject("apps"),
			testProject("old"),
			testShoot("garden-apps", "dev").Version("1.34.3").Pool(testPool("workers", "", "")).Unstructured(),
			testShoot("garden-platform", "metal-prod").Version("1.34.3").
				Pool(testPool("blue", "", "")).Pool(testPool("green", "1.33.4", "")).
				Set(map[string]any{"team": "platform"}, "metadata", "labels").
				Set(map[string]any{"cluster.metal-stack.io/tenant": "platform-team"}, "metadata", "annotations").
				Unstructured(),
			testShoot("garden-platform", "cp-service").Version("1.34.3").Profile("local").Unstructured(),
			testShoot("garden-platform", "legacy").Version("1.35.4").Unstructured(),
			testShoot("garden-old", "retired").Unstructured(),
			testTopology("mini-lab", lab),
		),
		Objects: objs(
			testNamespace("labs"),
			testProject("apps"),
			testProject("platform"),
			testShoot("garden-apps", "dev").Version("1.36.2").Pool(testPool("workers", "", "")).Unstructured(),
			testShoot("garden-apps", "new").Version("1.36.2").Pool(testPool("workers", "", "")).Unstructured(),
			testShoot("garden-platform", "metal-prod").Version("1.36.2").
				Pool(testPool("blue", "", "")).Pool(testPool("green", "1.34.3", "")).Pool(testPool("red", "", "")).
				Set("production", "spec", "purpose").
				Set(map[string]any{"team": "platform"}, "metadata", "labels").
				Set(map[string]any{"cluster.metal-stack.io/tenant": "platform-team"}, "metadata", "annotations").
				Unstructured(),
			testShoot("garden-platform", "cp-service").Version("1.37.1").Profile("local").Unstructured(),
			testShoot("garden-platform", "legacy").Version("1.34.3").Unstructured(),
			testTopology("mini-lab", strings.Replace(lab, "10.0.1", "10.1.0", 1)+"    machine02:\n      group: machines\n"),
		),
		Fleet: f,
		Catalogs: map[string]*planner.Catalog{
			"metal": catalog("1.33.4", "1.34.3", "1.35.4", "1.36.2"),
		},
		Notes: []string{"a note passed through"},
		Warnings: []fleet.Issue{
			{File: "fleet/shoots.cue", Line: 9, Column: 14, Path: "shoots.prod.rollout.dependsOn", Message: `shoot "prod" (wave "first") depends on "dev" (wave "second"): it waits for "dev", so it cannot upgrade in its own wave`},
		},
	}
	unchanged := Input{
		Base:        "HEAD (3f2a1bc)",
		BaseObjects: objs(testProject("apps"), testShoot("garden-apps", "dev").Unstructured()),
		Objects:     objs(testProject("apps"), testShoot("garden-apps", "dev").Unstructured()),
		Fleet:       f,
	}
	invalid := Input{
		Base: "HEAD",
		Issues: []fleet.Issue{
			{File: "fleet/shoots.cue", Line: 7, Column: 31, Path: "shoots.prod.pools.green.kubernetes.version", Message: `pool "green" runs 1.37.1, newer than the control plane 1.36.2`},
			{File: "fleet/shoots.cue", Line: 15, Column: 11, Path: "shoots.old.project", Message: `project "nope" is not declared in projects`},
		},
	}
	// metal-prod starts its steps only in its window 03:00-04:00 +0100:
	// two of its three fit in the first; edge asks for its window but
	// leaves it to Gardener.
	window := map[string]any{"begin": "030000+0100", "end": "040000+0100"}
	windows := Input{
		Base: "HEAD (3f2a1bc)",
		BaseObjects: objs(
			testShoot("garden-apps", "dev").Version("1.34.3").Unstructured(),
			testShoot("garden-platform", "metal-prod").Version("1.33.4").Set(window, "spec", "maintenance", "timeWindow").Unstructured(),
			testShoot("garden-platform", "edge").Version("1.35.4").Unstructured(),
		),
		Objects: objs(
			testShoot("garden-apps", "dev").Version("1.36.2").Unstructured(),
			testShoot("garden-platform", "metal-prod").Version("1.36.2").Pool(testPool("blue", "", "")).Set(window, "spec", "maintenance", "timeWindow").Unstructured(),
			testShoot("garden-platform", "edge").Version("1.36.2").Unstructured(),
		),
		Fleet: &fleet.Fleet{
			Waves: f.Waves,
			Shoots: []fleet.Shoot{
				fleetShoot("garden-apps", "dev", fleet.Rollout{Wave: "canary"}),
				fleetShoot("garden-platform", "metal-prod", fleet.Rollout{Wave: "prod", Window: fleet.WindowMaintenance}),
				fleetShoot("garden-platform", "edge", fleet.Rollout{Wave: "prod", Window: fleet.WindowMaintenance}),
			},
		},
		Catalogs:     map[string]*planner.Catalog{"metal": catalog("1.33.4", "1.34.3", "1.35.4", "1.36.2")},
		Now:          time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), // a Monday
		StepDuration: 40 * time.Minute,
	}
	// metal: 1.33.4 expires an hour after the plan, 1.34.3 on Dec 20,
	// machine image debian 1.0.0 on Dec 3.
	var metal gardencorev1beta1.CloudProfileSpec
	if err := yaml.Unmarshal([]byte(`
kubernetes:
  versions:
  - {version: 1.36.2}
  - {version: 1.35.4}
  - {version: 1.34.4}
  - {version: 1.34.3, expirationDate: "2026-12-20T00:00:00Z"}
  - {version: 1.33.4, expirationDate: "2026-11-30T13:00:00Z"}
machineImages:
- name: debian
  updateStrategy: patch
  versions:
  - {version: 1.0.0, expirationDate: "2026-12-03T00:00:00Z"}
  - {version: 1.0.3}
`), &metal); err != nil {
		panic(err)
	}
	debian := func(version string) []any {
		return []any{map[string]any{"name": "workers", "machine": map[string]any{"type": "m1", "image": map[string]any{"name": "debian", "version": version}}}}
	}
	forecast := windows
	forecast.Base = "cluster"
	forecast.BaseObjects = objs(
		testShoot("garden-apps", "dev").Version("1.34.3").Set(debian("1.0.0"), "spec", "provider", "workers").Unstructured(),
		testShoot("garden-platform", "metal-prod").Version("1.33.4").Set(window, "spec", "maintenance", "timeWindow").Unstructured(),
		testShoot("garden-platform", "edge").Version("1.34.3").Unstructured(),
		testShoot("garden-platform", "steady").Version("1.34.3").Unstructured(),
	)
	forecast.Objects = objs(
		testShoot("garden-apps", "dev").Version("1.36.2").Set(debian("1.0.3"), "spec", "provider", "workers").Unstructured(),
		testShoot("garden-platform", "metal-prod").Version("1.36.2").Set(window, "spec", "maintenance", "timeWindow").Unstructured(),
		testShoot("garden-platform", "edge").Version("1.36.2").Unstructured(),
		testShoot("garden-platform", "steady").Version("1.34.3").Unstructured(),
	)
	forecast.Forecast = 30 * 24 * time.Hour
	forecast.Profiles = map[string]*gardencorev1beta1.CloudProfileSpec{"metal": &metal}
	return map[string]Input{"changes": changes, "unchanged": unchanged, "invalid": invalid, "windows": windows, "forecast": forecast}
}

func TestWriteGolden(t *testing.T) {
	t.Parallel()
	update := os.Getenv("GARDENFLEET_UPDATE") == "1"
	for name, in := range goldenInputs() {
		r := Build(in)
		for _, format := range []struct {
			file  string
			write func(*bytes.Buffer) error
		}{
			{"report.txt", func(b *bytes.Buffer) error { return r.WriteText(b) }},
			{"report.md", func(b *bytes.Buffer) error { return r.WriteMarkdown(b) }},
			{"report.json", func(b *bytes.Buffer) error { return r.WriteJSON(b) }},
		} {
			t.Run(name+"/"+format.file, func(t *testing.T) {
				var got bytes.Buffer
				if err := format.write(&got); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", name, format.file)
				if update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with GARDENFLEET_UPDATE=1 to create it)", err)
				}
				if diff := cmp.Diff(string(want), got.String()); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			})
		}
	}
}

// TestWriteJSONRoundTrip checks that the JSON form holds the whole report:
// decoded into a Report and written again, it is the same.
func TestWriteJSONRoundTrip(t *testing.T) {
	t.Parallel()
	r := Build(goldenInputs()["changes"])
	var first, second bytes.Buffer
	if err := r.WriteJSON(&first); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(first.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if err := back.WriteJSON(&second); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.String(), second.String()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if len(back.Objects) != len(r.Objects) || len(back.Upgrades) != len(r.Upgrades) {
		t.Errorf("round trip lost entries: %d objects, %d upgrades; want %d, %d", len(back.Objects), len(back.Upgrades), len(r.Objects), len(r.Upgrades))
	}
}

// TestWriteMarkdownLimit checks that a report too long for a comment is
// cut down to fit, and says so.
func TestWriteMarkdownLimit(t *testing.T) {
	t.Parallel()
	var base, next []*unstructured.Unstructured
	for i := range 2000 {
		name := fmt.Sprintf("shoot-%04d", i)
		base = append(base, testShoot("garden-a", name).Version("1.35.4").Pool(testPool("a", "", "")).Unstructured())
		next = append(next, testShoot("garden-a", name).Version("1.36.2").Pool(testPool("a", "", "")).Unstructured())
	}
	r := Build(Input{Base: "HEAD", BaseObjects: base, Objects: next, Catalogs: map[string]*planner.Catalog{"metal": catalog("1.35.4", "1.36.2")}})
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if b.Len() > MarkdownLimit {
		t.Errorf("markdown is %d bytes, want at most %d", b.Len(), MarkdownLimit)
	}
	for _, want := range []string{
		"field changes are left out and tables show at most",
		"| … | ",
		"**0 to add, 2000 to change, 0 to remove, 0 unchanged; 2000 shoot upgrades**",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

// TestWriteMarkdownFolds checks that lists longer than longList fold into
// <details> blocks while the report still fits a comment whole.
func TestWriteMarkdownFolds(t *testing.T) {
	t.Parallel()
	var base, next []*unstructured.Unstructured
	for i := range longList + 2 {
		name := fmt.Sprintf("shoot-%02d", i)
		base = append(base, testShoot("garden-a", name).Unstructured())
		next = append(next, testShoot("garden-a", name).Version("1.36.2").Unstructured())
	}
	r := Build(Input{Base: "HEAD", BaseObjects: base, Objects: next, Catalogs: map[string]*planner.Catalog{"metal": catalog("1.35.4", "1.36.2")}})
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<details><summary>12 objects</summary>\n\n| Change | Kind |",
		"<details><summary>12 changed objects</summary>\n\n`Shoot/garden-a/shoot-00`: 1 field\n\n```diff\n",
		"<details><summary>12 shoots</summary>\n\n| Shoot | Wave |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "too long for a comment") {
		t.Errorf("a short report says it is cut")
	}
}
