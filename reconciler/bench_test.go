package reconciler

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// BenchmarkGate5000 gates a fleet of 5,000 shoots in three waves, a fifth of
// them with dependencies: the work of one pass besides I/O.
func BenchmarkGate5000(b *testing.B) {
	in := gateInput{
		Now:         gateNow,
		StepTimeout: time.Hour,
		Waves:       []fleet.Wave{{Name: "canary"}, {Name: "dev", MaxParallel: 50}, {Name: "prod", MaxParallel: 10, BakeTime: time.Hour}},
	}
	waves := []string{"canary", "dev", "prod", ""}
	for i := range 5000 {
		s := gateShoot{Name: fmt.Sprintf("s%04d", i), Wave: waves[i%4], StepsLeft: i % 3, Step: shoot.StepDone}
		if i%5 == 0 && i > 0 {
			s.DependsOn = []string{fmt.Sprintf("s%04d", i-1)}
		}
		in.Shoots = append(in.Shoots, s)
	}
	b.ReportAllocs()
	for b.Loop() {
		gate(in)
	}
}

// BenchmarkPlanShoots5000 maps 5,000 live and rendered Shoots to the planner,
// plans them and writes the next step into the objects to apply.
func BenchmarkPlanShoots5000(b *testing.B) {
	cat := testCatalog(b, "1.33.10", "1.34.8", "1.35.6", "1.36.4", "1.37.1")
	live := stateOf(shootObj("1.34.8", "a=", "b=1.33.10"))
	desired := shootObj("1.37.1", "a=", "b=")
	b.ReportAllocs()
	for b.Loop() {
		for range 5000 {
			cur, want, err := shootVersions(live, desired)
			if err != nil {
				b.Fatal(err)
			}
			res, err := planner.Plan(cur, want, planner.Policy{Versions: cat})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := withVersions(desired, live, res.Steps[0]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkObserveLiveShoot5000 reads what a pass keeps of 5,000 live Shoots
// (state and health), as a listed page hands them over.
func BenchmarkObserveLiveShoot5000(b *testing.B) {
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(liveShootYAML), &u.Object); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for range 5000 {
			observeLiveShoot(u, time.Time{})
		}
	}
}
