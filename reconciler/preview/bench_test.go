package preview

import (
	"fmt"
	"io"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// benchInput is a fleet of n shoots, each moving two minors with a pool
// pinned, a pool added and a setting changed, in three waves.
func benchInput(n int) Input {
	f := &fleet.Fleet{Waves: []fleet.Wave{{Name: "canary"}, {Name: "dev", MaxParallel: 10}, {Name: "prod", MaxParallel: 5, RawBake: "1h"}}}
	var base, next []*unstructured.Unstructured
	for i := range n {
		ns, name := fmt.Sprintf("garden-p%02d", i%50), fmt.Sprintf("shoot-%04d", i)
		wave := []string{"canary", "dev", "prod"}[min(i%10, 2)]
		f.Shoots = append(f.Shoots, fleetShoot(ns, name, fleet.Rollout{Wave: wave}))
		base = append(base, testShoot(ns, name).Version("1.34.3").
			Pool(testPool("blue", "", "")).Pool(testPool("green", "1.33.4", "")).Unstructured())
		next = append(next, testShoot(ns, name).Version("1.36.2").
			Pool(testPool("blue", "", "")).Pool(testPool("green", "1.34.3", "")).Pool(testPool("red", "", "")).
			Set("production", "spec", "purpose").Unstructured())
	}
	return Input{
		Base: "origin/main", BaseObjects: base, Objects: next, Fleet: f,
		Catalogs: map[string]*planner.Catalog{"metal": catalog("1.33.4", "1.34.3", "1.35.4", "1.36.2")},
	}
}

// BenchmarkBuild1000 builds the report of 1,000 changed shoots.
func BenchmarkBuild1000(b *testing.B) {
	in := benchInput(1000)
	b.ReportAllocs()
	for b.Loop() {
		r := Build(in)
		if r.Summary.Changed != 1000 || r.Summary.Upgrades != 1000 {
			b.Fatalf("summary %+v", r.Summary)
		}
	}
}

// BenchmarkWrite1000 writes that report in each format.
func BenchmarkWrite1000(b *testing.B) {
	r := Build(benchInput(1000))
	for _, format := range []struct {
		name  string
		write func(io.Writer) error
	}{{"text", r.WriteText}, {"markdown", r.WriteMarkdown}, {"json", r.WriteJSON}} {
		b.Run(format.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := format.write(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
