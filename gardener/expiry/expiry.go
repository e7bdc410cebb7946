// Package expiry forecasts Gardener's forced updates: from a CloudProfile's
// expirationDates (of Kubernetes versions and machine image versions) it
// tells which shoots and pools run a version that expires within some time,
// when, and what Gardener's maintenance will then do to it, with Gardener's
// own maintenance helpers. It is pure: it reads typed objects and a time.
// It must not import other gardenfleet packages, client-go or
// controller-runtime.
package expiry

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	maintenancehelper "github.com/gardener/gardener/pkg/controllermanager/controller/shoot/maintenance/helper"
	"sigs.k8s.io/yaml"
)

// Profile is a CloudProfile's or NamespacedCloudProfile's name and spec.
type Profile struct {
	Kind, Namespace, Name string
	// Spec is a CloudProfile's spec, or a NamespacedCloudProfile's merged
	// status.cloudProfileSpec.
	Spec *gardencorev1beta1.CloudProfileSpec
}

// DecodeProfile reads a CloudProfile or NamespacedCloudProfile (YAML or JSON).
func DecodeProfile(data []byte) (Profile, error) {
	var cp struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec   gardencorev1beta1.CloudProfileSpec `json:"spec"`
		Status struct {
			CloudProfileSpec *gardencorev1beta1.CloudProfileSpec `json:"cloudProfileSpec"`
		} `json:"status"`
	}
	if err := yaml.Unmarshal(data, &cp); err != nil {
		return Profile{}, fmt.Errorf("decode cloud profile: %w", err)
	}
	p := Profile{Kind: cp.Kind, Namespace: cp.Metadata.Namespace, Name: cp.Metadata.Name, Spec: &cp.Spec}
	if cp.Kind == "NamespacedCloudProfile" {
		if p.Spec = cp.Status.CloudProfileSpec; p.Spec == nil {
			return Profile{}, fmt.Errorf("decode cloud profile: NamespacedCloudProfile has no status.cloudProfileSpec yet")
		}
	}
	return p, nil
}

// Forced is one version of a shoot that expires, and what Gardener's
// maintenance does about it.
type Forced struct {
	// Shoot is namespace/name.
	Shoot string
	// Pool is the worker pool; "" for the control plane.
	Pool string
	// Image is the machine image name when a machine image version
	// expires; "" for a Kubernetes version.
	Image string
	// Version is the version that expires, at Expires.
	Version string
	Expires time.Time
	// WindowBegin and WindowEnd are the first maintenance window from
	// Expires on, in which Gardener updates the version even with
	// auto-update off; zero when the shoot sets no window (Gardener then
	// picks one).
	WindowBegin, WindowEnd time.Time
	// To is the version Gardener moves to there: the newest patch of the
	// minor while one has not expired, else one minor up (Kubernetes) or as
	// the image's update strategy says. Error says why Gardener finds none.
	To    string
	Error string
}

// Window is a shoot's maintenance window: the occurrence that contains t,
// else the next (gardener/shoot.Window.Next).
type Window func(t time.Time) (begin, end time.Time)

// Shoot is one shoot to forecast: its versions and its window.
type Shoot struct {
	Versions *Versions
	Window   Window
	Profile  *gardencorev1beta1.CloudProfileSpec
}

// Versions are what Forecast reads of a shoot: its name and the versions of
// its control plane, pools and machine images. A caller holding many shoots
// between reading and forecasting keeps these, not the Shoots: a typed
// Shoot, even with nothing but its versions set, is some 1.8 KB, and one as
// read carries Gardener's defaults and managedFields.
type Versions struct {
	Namespace, Name string
	Kubernetes      string
	Pools           []Pool
}

// Pool is a worker pool's versions.
type Pool struct {
	Name string
	// Kubernetes is the pool's own version; "" runs the control plane's.
	Kubernetes string
	Image      *gardencorev1beta1.ShootMachineImage
}

// VersionsOf returns what Forecast reads of s.
func VersionsOf(s *gardencorev1beta1.Shoot) *Versions {
	out := &Versions{Namespace: s.Namespace, Name: s.Name, Kubernetes: s.Spec.Kubernetes.Version}
	if n := len(s.Spec.Provider.Workers); n > 0 {
		out.Pools = make([]Pool, n)
	}
	for i := range s.Spec.Provider.Workers {
		w := &s.Spec.Provider.Workers[i]
		p := Pool{Name: w.Name, Image: w.Machine.Image}
		if w.Kubernetes != nil && w.Kubernetes.Version != nil {
			p.Kubernetes = *w.Kubernetes.Version
		}
		out.Pools[i] = p
	}
	return out
}

// Forecast lists every version of the shoots that expires by now+within
// (or has already), sorted by date, then shoot, pool and image.
func Forecast(shoots []Shoot, now time.Time, within time.Duration) []Forced {
	until := now.Add(within)
	var out []Forced
	for _, s := range shoots {
		if s.Profile == nil || s.Versions == nil {
			continue
		}
		name := s.Versions.Namespace + "/" + s.Versions.Name
		cp := s.Versions.Kubernetes
		if f, ok := kubernetes(s, cp, until); ok {
			f.Shoot = name
			out = append(out, f)
		}
		for i := range s.Versions.Pools {
			w := &s.Versions.Pools[i]
			if w.Kubernetes != "" && w.Kubernetes != cp {
				if f, ok := kubernetes(s, w.Kubernetes, until); ok {
					f.Shoot, f.Pool = name, w.Name
					out = append(out, f)
				}
			}
			if f, ok := image(s, w, until); ok {
				f.Shoot, f.Pool = name, w.Name
				out = append(out, f)
			}
		}
	}
	slices.SortFunc(out, func(a, b Forced) int {
		return cmp.Or(a.Expires.Compare(b.Expires), cmp.Compare(a.Shoot, b.Shoot), cmp.Compare(a.Pool, b.Pool), cmp.Compare(a.Image, b.Image))
	})
	return out
}

// kubernetes forecasts one Kubernetes version of a shoot.
func kubernetes(s Shoot, version string, until time.Time) (Forced, bool) {
	i := slices.IndexFunc(s.Profile.Kubernetes.Versions, func(v gardencorev1beta1.ExpirableVersion) bool { return v.Version == version })
	if i < 0 {
		return Forced{}, false
	}
	expires, ok := expiration(s.Profile.Kubernetes.Versions[i])
	if !ok || expires.After(until) {
		return Forced{}, false
	}
	f := Forced{Version: version, Expires: expires}
	at := f.window(s.Window, expires)
	to, err := maintenancehelper.DetermineVersionForStrategy(versionsAt(s.Profile.Kubernetes.Versions, at), version,
		v1beta1helper.GetLatestVersionForPatchAutoUpdate, v1beta1helper.GetVersionForForcefulUpdateToConsecutiveMinor, true)
	f.set(to, err)
	return f, true
}

// image forecasts a pool's machine image version.
func image(s Shoot, w *Pool, until time.Time) (Forced, bool) {
	img := w.Image
	if img == nil || img.Version == nil {
		return Forced{}, false
	}
	j := slices.IndexFunc(s.Profile.MachineImages, func(m gardencorev1beta1.MachineImage) bool { return m.Name == img.Name })
	if j < 0 {
		return Forced{}, false
	}
	mi := s.Profile.MachineImages[j]
	k := slices.IndexFunc(mi.Versions, func(v gardencorev1beta1.MachineImageVersion) bool { return v.Version == *img.Version })
	if k < 0 {
		return Forced{}, false
	}
	expires, ok := expiration(mi.Versions[k].ExpirableVersion)
	if !ok || expires.After(until) {
		return Forced{}, false
	}
	f := Forced{Image: img.Name, Version: *img.Version, Expires: expires}
	at := f.window(s.Window, expires)
	projected := mi
	projected.Versions = slices.Clone(mi.Versions)
	for i := range projected.Versions {
		projected.Versions[i].ExpirableVersion = versionAt(projected.Versions[i].ExpirableVersion, at)
	}
	if projected.UpdateStrategy == nil {
		// Gardener's default for a machine image.
		major := gardencorev1beta1.UpdateStrategyMajor
		projected.UpdateStrategy = &major
	}
	to, err := maintenancehelper.DetermineMachineImageVersion(img, &projected, true)
	f.set(to, err)
	return f, true
}

// window sets the first window from t on and returns when Gardener acts:
// at the window's begin, or at t without a known window.
func (f *Forced) window(w Window, t time.Time) time.Time {
	if w == nil {
		return t
	}
	f.WindowBegin, f.WindowEnd = w(t)
	return f.WindowBegin
}

func (f *Forced) set(to string, err error) {
	switch {
	case err != nil:
		f.Error = err.Error()
	case to == "":
		f.Error = "no newer version to move to"
	default:
		f.To = to
	}
}

// expiration is when a version expires: its expirationDate, or the start
// of its lifecycle's Expired stage.
//
//nolint:staticcheck // SA1019: CloudProfiles still carry expirationDate, and Gardener still reads it
func expiration(v gardencorev1beta1.ExpirableVersion) (time.Time, bool) {
	if v.ExpirationDate != nil {
		return v.ExpirationDate.Time, true
	}
	for _, st := range v.Lifecycle {
		if st.Classification == gardencorev1beta1.ClassificationExpired && st.StartTime != nil {
			return st.StartTime.Time, true
		}
	}
	return time.Time{}, false
}

// versionsAt returns the versions as Gardener will classify them at t.
func versionsAt(vs []gardencorev1beta1.ExpirableVersion, t time.Time) []gardencorev1beta1.ExpirableVersion {
	out := make([]gardencorev1beta1.ExpirableVersion, len(vs))
	for i, v := range vs {
		out[i] = versionAt(v, t)
	}
	return out
}

// versionAt fixes a version's classification to the one it has at t, so
// that Gardener's helpers (which classify as of the wall clock) judge it
// as they will then. NOTE: the stages are Gardener's
// CurrentLifecycleClassification's, evaluated at t instead of now.
//
//nolint:staticcheck // SA1019: CloudProfiles still carry classification and expirationDate, and Gardener still reads them
func versionAt(v gardencorev1beta1.ExpirableVersion, t time.Time) gardencorev1beta1.ExpirableVersion {
	stages := v.Lifecycle
	if len(stages) == 0 && (v.Classification != nil || v.ExpirationDate != nil) {
		c := gardencorev1beta1.ClassificationSupported
		if v.Classification != nil {
			c = *v.Classification
		}
		stages = []gardencorev1beta1.LifecycleStage{{Classification: c}}
		if v.ExpirationDate != nil {
			stages = append(stages, gardencorev1beta1.LifecycleStage{Classification: gardencorev1beta1.ClassificationExpired, StartTime: v.ExpirationDate})
		}
	}
	class := gardencorev1beta1.ClassificationSupported
	if len(stages) > 0 {
		class = gardencorev1beta1.ClassificationUnavailable
		for _, st := range stages {
			if st.StartTime == nil || st.StartTime.Time.Before(t) {
				class = st.Classification
			}
		}
	}
	return gardencorev1beta1.ExpirableVersion{Version: v.Version, Classification: &class}
}

// Subject names what expires: "the control plane", "pool a" or "machine
// image debian of pool a".
func (f Forced) Subject() string {
	switch {
	case f.Image != "":
		return fmt.Sprintf("machine image %s of pool %s", f.Image, f.Pool)
	case f.Pool != "":
		return "pool " + f.Pool
	}
	return "the control plane"
}

// Action says what Gardener does, e.g. "Gardener force-updates the control
// plane 1.34.3 -> 1.35.4 in the window Tue 22:00-23:00 +0100, even with
// auto-update off"; label renders a window occurrence.
func (f Forced) Action(label func(begin, end time.Time) string) string {
	what := f.Subject()
	when := "in the maintenance window Gardener picks"
	if !f.WindowBegin.IsZero() {
		when = "in the window " + label(f.WindowBegin, f.WindowEnd)
	}
	if f.Error != "" {
		return fmt.Sprintf("Gardener cannot force-update %s %s: %s", what, when, f.Error)
	}
	return fmt.Sprintf("Gardener force-updates %s %s -> %s %s, even with auto-update off", what, f.Version, f.To, when)
}
