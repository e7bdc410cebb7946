package preview

import (
	"fmt"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	"github.com/gardenfleet/gardenfleet/gardener/expiry"
	"github.com/gardenfleet/gardenfleet/gardener/shoot"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// Forecast lists Gardener's forced updates: every version of a shoot that
// expires within some time, and what happens to it.
type Forecast struct {
	// Within is the time looked ahead, e.g. "30d".
	Within  string          `json:"within"`
	Entries []ForecastEntry `json:"entries"`
}

// ForecastEntry is one expiring version of a shoot or pool.
type ForecastEntry struct {
	Shoot string `json:"shoot"`
	// Pool is the worker pool; empty for the control plane.
	Pool string `json:"pool,omitempty"`
	// Image is the machine image whose version expires; empty for a
	// Kubernetes version.
	Image   string `json:"image,omitempty"`
	Version string `json:"version"`
	// Expires is the version's expirationDate (RFC3339).
	Expires string `json:"expires"`
	// To is the version Gardener moves to; empty when it finds none.
	To string `json:"to,omitempty"`
	// Subject names what expires: "the control plane", "pool a", "machine
	// image debian of pool a".
	Subject string `json:"subject"`
	// Gardener says what Gardener's maintenance will do, and when.
	Gardener string `json:"gardener"`
	// Fleet says whether the fleet's own plan gets there first.
	Fleet string `json:"fleet"`
}

// DecodeCloudProfileSpec reads the spec of a CloudProfile, or the merged
// status.cloudProfileSpec of a NamespacedCloudProfile, with its CatalogKey.
func DecodeCloudProfileSpec(data []byte) (string, *gardencorev1beta1.CloudProfileSpec, error) {
	p, err := expiry.DecodeProfile(data)
	if err != nil {
		return "", nil, err
	}
	return CatalogKey(p.Kind, p.Namespace, p.Name), p.Spec, nil
}

// forecast lists the forced updates the base shoots (the new ones where
// the base has none) face within in.Forecast, and whether the steps of the
// schedule (starts) move each first.
func forecast(pairs []pair, upgrades []Upgrade, starts map[string][]time.Time, in Input) *Forecast {
	var shoots []expiry.Shoot
	next := map[string]*shoot.Shoot{}
	for _, p := range pairs {
		u := p.base
		if u == nil {
			u = p.next
		}
		if !isShoot(u) {
			continue
		}
		s, err := shoot.Read(u)
		if err != nil {
			continue // its upgrade says why
		}
		es := expiry.Shoot{Versions: expiry.VersionsOf(s), Profile: in.Profiles[shootCatalogKey(u)]}
		if w, err := shoot.MaintenanceWindow(s); err == nil && w != nil {
			es.Window = w.Next
		}
		shoots = append(shoots, es)
		if p.next != nil {
			if n, err := shoot.Read(p.next); err == nil {
				next[objectName(p.next)] = n
			}
		}
	}
	byShoot := map[string]*Upgrade{}
	for i := range upgrades {
		byShoot[upgrades[i].Shoot] = &upgrades[i]
	}
	dur := in.StepDuration
	if dur <= 0 {
		dur = DefaultStepDuration
	}
	out := &Forecast{Within: planner.FormatDuration(in.Forecast), Entries: []ForecastEntry{}}
	for _, f := range expiry.Forecast(shoots, in.Now, in.Forecast) {
		e := ForecastEntry{Shoot: f.Shoot, Pool: f.Pool, Image: f.Image, Version: f.Version, To: f.To,
			Expires: f.Expires.UTC().Format(time.RFC3339), Subject: f.Subject(), Gardener: f.Action(shoot.Label)}
		if f.Image != "" {
			e.Fleet = imageVerdict(f, next[f.Shoot])
		} else {
			e.Fleet = versionVerdict(f, byShoot[f.Shoot], starts[f.Shoot], dur)
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// versionVerdict tells whether the fleet's steps move a Kubernetes version
// before Gardener does.
func versionVerdict(f expiry.Forced, u *Upgrade, starts []time.Time, dur time.Duration) string {
	k := -1
	if u != nil {
		for i, s := range u.Steps {
			v := s.ControlPlane
			if f.Pool != "" {
				v = s.Pools[f.Pool]
			}
			if v != f.Version {
				k = i
				break
			}
		}
	}
	switch {
	case k < 0:
		return "the fleet's plan does not move it"
	case u.Hold != "" || k >= len(starts):
		return fmt.Sprintf("the fleet's plan moves it in step %d, at no time it can tell", k+1)
	}
	gardener := f.Expires
	if !f.WindowBegin.IsZero() {
		gardener = f.WindowBegin
	}
	done := starts[k].Add(dur)
	if done.After(gardener) {
		return fmt.Sprintf("Gardener first: the fleet's step %d is done by %s at the earliest", k+1, stampUTC(done))
	}
	return fmt.Sprintf("the fleet's plan gets there first: step %d is done by %s", k+1, stampUTC(done))
}

// imageVerdict tells whether the new fleet changes a pool's machine image
// version: that is applied right away, as any change that is not a
// Kubernetes version.
func imageVerdict(f expiry.Forced, next *shoot.Shoot) string {
	if next != nil {
		for i := range next.Spec.Provider.Workers {
			w := &next.Spec.Provider.Workers[i]
			if w.Name == f.Pool && w.Machine.Image != nil && w.Machine.Image.Version != nil && *w.Machine.Image.Version != f.Version {
				return fmt.Sprintf("the fleet moves it to %s on apply", *w.Machine.Image.Version)
			}
		}
	}
	return "the fleet does not change it"
}

func stampUTC(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// String renders an entry as one line.
func (e ForecastEntry) String() string {
	return fmt.Sprintf("%s: %s %s expires %s: %s; %s", e.Shoot, e.Subject, e.Version, e.Expires[:len(time.DateOnly)], e.Gardener, e.Fleet)
}

// writeForecastText writes the forced updates, if asked for.
func (r *Report) writeForecastText(b *strings.Builder) {
	if r.Forecast == nil {
		return
	}
	fmt.Fprintf(b, "\nForced updates within %s:\n", r.Forecast.Within)
	if len(r.Forecast.Entries) == 0 {
		b.WriteString("  none\n")
	}
	for _, e := range r.Forecast.Entries {
		fmt.Fprintf(b, "  %s\n", e)
	}
}

// mdForecast writes the forced updates as a table, if asked for.
func (r *Report) mdForecast(b *strings.Builder) {
	if r.Forecast == nil {
		return
	}
	fmt.Fprintf(b, "\n### Forced updates within %s\n\n", r.Forecast.Within)
	if len(r.Forecast.Entries) == 0 {
		b.WriteString("None.\n")
		return
	}
	var t strings.Builder
	t.WriteString("| Shoot | Pool | Version | Expires | Gardener | Fleet |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, e := range r.Forecast.Entries {
		v := e.Version
		if e.Image != "" {
			v = e.Image + " " + v
		}
		fmt.Fprintf(&t, "| `%s` | %s | %s | %s | %s | %s |\n", e.Shoot, mdCell(e.Pool), mdCell(v), e.Expires[:len(time.DateOnly)], mdCell(e.Gardener), mdCell(e.Fleet))
	}
	fold(b, len(r.Forecast.Entries), fmt.Sprintf("%d forced updates", len(r.Forecast.Entries)), t.String())
}
