package expiry_test

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/gardener/expiry"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/gardener/shoot/shoottest"
)

// profile: 1.33.9 expires on Dec 5 with no newer 1.33 patch; 1.35.1
// expires on Dec 20 but 1.35.2 does not; 1.36.2 only in February; 1.37.1
// expires with no 1.38 to go to. debian 1.0.0 expires on Dec 3.
const profile = `
kubernetes:
  versions:
  - {version: 1.37.1, expirationDate: "2026-12-24T00:00:00Z"}
  - {version: 1.36.2, expirationDate: "2027-02-01T00:00:00Z"}
  - {version: 1.35.2}
  - {version: 1.35.1, expirationDate: "2026-12-20T00:00:00Z"}
  - {version: 1.34.4}
  - {version: 1.34.3, lifecycle: [{classification: supported}, {classification: expired, startTime: "2026-12-04T00:00:00Z"}]}
  - {version: 1.33.9, classification: deprecated, expirationDate: "2026-12-05T00:00:00Z"}
machineImages:
- name: debian
  updateStrategy: patch
  versions:
  - {version: 1.0.0, expirationDate: "2026-12-03T00:00:00Z"}
  - {version: 1.0.3}
  - {version: 2.0.0}
`

func typedShoot(name, version string, pools ...shoottest.Pool) *gardencorev1beta1.Shoot {
	b := shoottest.New("garden-a", name).Version(version)
	for _, p := range pools {
		b.Pool(p)
	}
	return b.Typed()
}

func pool(name, version, image string) shoottest.Pool {
	return shoottest.Pool{Name: name, Version: version, ImageName: "debian", Image: image}
}

func TestForecast(t *testing.T) {
	t.Parallel()
	var spec gardencorev1beta1.CloudProfileSpec
	if err := yaml.Unmarshal([]byte(profile), &spec); err != nil {
		t.Fatal(err)
	}
	nightly, err := shoot.ParseWindow("220000+0100", "230000+0100")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	shoots := []expiry.Shoot{
		{Versions: expiry.VersionsOf(typedShoot("old", "1.33.9")), Window: nightly.Next, Profile: &spec},
		{Versions: expiry.VersionsOf(typedShoot("patch", "1.35.1")), Window: nightly.Next, Profile: &spec},
		{Versions: expiry.VersionsOf(typedShoot("fine", "1.36.2", pool("a", "", "1.0.3"))), Window: nightly.Next, Profile: &spec},
		{Versions: expiry.VersionsOf(typedShoot("pools", "1.35.2", pool("a", "1.34.3", "1.0.0"), pool("b", "", ""))), Profile: &spec},
		{Versions: expiry.VersionsOf(typedShoot("newest", "1.37.1")), Window: nightly.Next, Profile: &spec},
		{Versions: expiry.VersionsOf(typedShoot("unknown", "1.33.9"))}, // no profile: nothing known
	}
	label := shoot.Label
	tests := []struct {
		name   string
		within time.Duration
		want   []string
	}{
		{name: "within 30 days", within: 30 * 24 * time.Hour, want: []string{
			"garden-a/pools a debian 1.0.0 2026-12-03: Gardener force-updates machine image debian of pool a 1.0.0 -> 1.0.3 in the maintenance window Gardener picks, even with auto-update off",
			"garden-a/pools a 1.34.3 2026-12-04: Gardener force-updates pool a 1.34.3 -> 1.34.4 in the maintenance window Gardener picks, even with auto-update off",
			"garden-a/old  1.33.9 2026-12-05: Gardener force-updates the control plane 1.33.9 -> 1.34.4 in the window Sat 22:00-23:00 +0100, even with auto-update off",
			"garden-a/patch  1.35.1 2026-12-20: Gardener force-updates the control plane 1.35.1 -> 1.35.2 in the window Sun 22:00-23:00 +0100, even with auto-update off",
			"garden-a/newest  1.37.1 2026-12-24: Gardener cannot force-update the control plane in the window Thu 22:00-23:00 +0100: cannot perform forceful update of expired version \"1.37.1\". No suitable version found in CloudProfile - this is most likely a misconfiguration of the CloudProfile",
		}},
		{name: "within 2 days", within: 2 * 24 * time.Hour, want: []string{
			"garden-a/pools a debian 1.0.0 2026-12-03: Gardener force-updates machine image debian of pool a 1.0.0 -> 1.0.3 in the maintenance window Gardener picks, even with auto-update off",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, f := range expiry.Forecast(shoots, now, tt.within) {
				got = append(got, f.Shoot+" "+f.Pool+" "+prefix(f.Image)+f.Version+" "+f.Expires.Format(time.DateOnly)+": "+f.Action(label))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Forecast (-want +got):\n%s", diff)
			}
		})
	}
}

func prefix(image string) string {
	if image == "" {
		return ""
	}
	return image + " "
}
