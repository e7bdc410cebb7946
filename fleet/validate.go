package fleet

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"github.com/Masterminds/semver/v3"
)

// MaxPoolSkew is how many minors a pool may run behind its control plane.
const MaxPoolSkew = 3

// workerlessForbidden lists what Gardener rejects on a shoot without
// workers, by path below the shoot.
var workerlessForbidden = [][]string{
	{"credentialsBinding"},
	{"provider", "infrastructureConfig"},
	{"provider", "controlPlaneConfig"},
	{"networking", "type"},
	{"networking", "providerConfig"},
	{"networking", "pods"},
	{"networking", "nodes"},
	{"kubernetes", "kubeScheduler"},
	{"kubernetes", "kubeProxy"},
	{"kubernetes", "kubelet"},
	{"kubernetes", "clusterAutoscaler"},
	{"kubernetes", "verticalPodAutoscaler"},
	{"kubernetes", "kubeControllerManager", "nodeCIDRMaskSize"},
	{"kubernetes", "kubeControllerManager", "horizontalPodAutoscaler"},
	{"kubernetes", "kubeControllerManager", "podEvictionTimeout"},
	{"kubernetes", "kubeControllerManager", "nodeMonitorGracePeriod"},
	{"maintenance", "autoUpdate", "machineImageVersion"},
}

func sub(fields ...string) []cue.Selector {
	sels := make([]cue.Selector, len(fields))
	for i, f := range fields {
		sels[i] = cue.Str(f)
	}
	return sels
}

func (b *builder) checkShoot(s *Shoot, layers []layer) {
	self := layers[len(layers)-1].path
	at := func(fields ...string) cue.Path { return b.source(layers, sub(fields...)...) }

	cp, cpErr := semver.StrictNewVersion(trimV(s.Kubernetes.Version))
	switch {
	case s.Kubernetes.Version == "":
		b.fail(self, "no Kubernetes version: set kubernetes.version on the shoot or in its defaults")
	case cpErr != nil:
		b.fail(at("kubernetes", "version"), "invalid Kubernetes version %q: %v", s.Kubernetes.Version, cpErr)
	}
	if s.Region == "" {
		b.fail(self, "no region: set region on the shoot or in its defaults")
	}
	if s.CloudProfile.Name == "" {
		b.fail(self, "no cloud profile: set cloudProfile on the shoot or in its defaults")
	}
	if s.Provider.Type == "" {
		b.fail(self, "no provider type: set provider.type (or provider.metal) on the shoot or in its defaults")
	}
	if s.Provider.Metal != nil && s.Provider.Type != ProviderMetal {
		b.fail(at("provider", "type"), "provider type %q cannot take a metal block", s.Provider.Type)
	}
	if s.Purpose == "infrastructure" {
		b.fail(at("purpose"), "purpose infrastructure is only allowed in namespace garden, not %s", s.Namespace)
	}
	b.checkMaintenance(s, at)
	b.checkExtensions(s, at)

	if s.Workerless() {
		b.checkWorkerless(s, layers)
		return
	}
	if s.CredentialsBinding == "" {
		b.fail(self, "no credentials binding: a shoot with workers needs credentialsBinding")
	}
	if s.Networking.Type == "" {
		b.fail(self, "no networking type: a shoot with workers needs networking.type")
	}
	if s.Provider.Type == ProviderMetal {
		b.checkMetal(s, at)
	}
	for i := range s.Pools {
		b.checkPool(s, &s.Pools[i], layers, cp)
	}
}

// checkWorkerless rejects what Gardener forbids without workers when the
// shoot sets it itself, and drops what it inherits: defaults written for
// shoots with workers must not break a workerless one.
func (b *builder) checkWorkerless(s *Shoot, layers []layer) {
	own := layers[len(layers)-1]
	for _, field := range workerlessForbidden {
		if sets(own.raw, field...) {
			b.fail(join(own.path, sub(field...)...), "a workerless shoot must not set %s: Gardener forbids it without workers", joinDots(field))
		}
	}
	if s.Provider.Type == ProviderMetal {
		b.failWorkerlessMetal(layers, own)
	}
	if sets(own.raw, "pool") {
		b.warn(join(own.path, cue.Str("pool")), "a workerless shoot has no pools: its pool defaults are ignored")
	}
	s.CredentialsBinding = ""
	s.Provider.InfrastructureConfig, s.Provider.ControlPlaneConfig = nil, nil
	s.Networking = Networking{Services: s.Networking.Services, IPFamilies: s.Networking.IPFamilies}
	k := &s.Kubernetes
	k.KubeScheduler, k.KubeProxy, k.Kubelet, k.ClusterAutoscaler, k.VerticalPodAutoscaler = nil, nil, nil, nil, nil
	if kcm := k.KubeControllerManager; kcm != nil {
		kcm = cloneObject(kcm)
		for _, f := range []string{"nodeCIDRMaskSize", "horizontalPodAutoscaler", "podEvictionTimeout", "nodeMonitorGracePeriod"} {
			delete(kcm, f)
		}
		if len(kcm) == 0 {
			kcm = nil
		}
		k.KubeControllerManager = kcm
	}
	if au := s.Maintenance.AutoUpdate; au != nil {
		s.Maintenance.AutoUpdate = &AutoUpdate{KubernetesVersion: au.KubernetesVersion}
		if au.KubernetesVersion == nil {
			s.Maintenance.AutoUpdate = nil
		}
	}
}

// failWorkerlessMetal places the error at the shoot itself when it asks for
// metal, else at its declaration, naming where metal was inherited from.
func (b *builder) failWorkerlessMetal(layers []layer, own layer) {
	const msg = "a workerless shoot cannot use provider metal: metal shoots need worker pools"
	if sets(own.raw, "provider", "type") || sets(own.raw, "provider", "metal") {
		b.fail(join(own.path, sub("provider")...), "%s", msg)
		return
	}
	from := b.source(layers, sub("provider")...)
	where := strings.Join(pathStrings(from), ".")
	if p := b.pos(from); p.IsValid() {
		where = fmt.Sprintf("%s at %s:%d:%d", where, filepath.Base(p.Filename()), p.Line(), p.Column())
	}
	b.fail(own.path, "%s; it inherits provider metal from %s: set provider.type on the shoot", msg, where)
}

// checkMetal asks for what the fleet's metal block must say; metal-stack's
// own validation (package admission) judges the rendered provider configs.
func (b *builder) checkMetal(s *Shoot, at func(...string) cue.Path) {
	m := s.Provider.Metal
	if m == nil {
		b.fail(at("provider", "type"), "provider metal needs a provider.metal block (partition, project, tenant, firewall)")
		return
	}
	// The tenant annotation is checked by metal-stack's webhook itself,
	// not by its validation package.
	if m.Tenant == "" {
		b.fail(at("provider", "metal"), "provider.metal.tenant is required")
	}
}

func (b *builder) checkPool(s *Shoot, p *Pool, layers []layer, cp *semver.Version) {
	poolPath := join(layers[len(layers)-1].path, cue.Str("pools"), cue.Str(p.Name))
	// A pool's field comes from the pool itself or from a layer's pool defaults.
	at := func(fields ...string) cue.Path {
		if own := join(poolPath, sub(fields...)...); b.has(own) {
			return own
		}
		if src := b.source(layers, sub(append([]string{"pool"}, fields...)...)...); b.has(src) {
			return src
		}
		return poolPath
	}
	name := p.Name
	if p.Machine == "" {
		b.fail(poolPath, "pool %q has no machine type: set machine on the pool or in pool defaults", name)
	}
	if p.Minimum != nil && p.Maximum != nil && *p.Maximum < *p.Minimum {
		b.fail(at("maximum"), "pool %q: maximum %d is below minimum %d", name, *p.Maximum, *p.Minimum)
	}
	surgeZero := p.MaxSurge != nil && p.MaxSurge.IsZero()
	unavailableZero := p.MaxUnavailable == nil || p.MaxUnavailable.IsZero()
	if surgeZero && unavailableZero {
		b.fail(at("maxSurge"), "pool %q: maxSurge and maxUnavailable cannot both be 0", name)
	}
	if v := p.Version(); v != "" && cp != nil {
		pv, err := semver.StrictNewVersion(trimV(v))
		if err != nil {
			b.fail(at("kubernetes", "version"), "pool %q: invalid Kubernetes version %q: %v", name, v, err)
			return
		}
		if msg := PoolSkew(pv, cp); msg != "" {
			b.fail(at("kubernetes", "version"), "pool %q %s", name, msg)
		}
	}
}

// PoolSkew returns why a pool at pool may not run under a control plane at
// cp, or "" when the version-skew policy allows it.
func PoolSkew(pool, cp *semver.Version) string {
	switch {
	case pool.GreaterThan(cp):
		return fmt.Sprintf("runs %s, newer than the control plane %s", pool, cp)
	case pool.Major() != cp.Major():
		return fmt.Sprintf("runs %s, a different major version than the control plane %s", pool, cp)
	case cp.Minor()-pool.Minor() > MaxPoolSkew:
		return fmt.Sprintf("runs %s, %d minors behind the control plane %s (at most %d)", pool, cp.Minor()-pool.Minor(), cp, MaxPoolSkew)
	}
	return ""
}

func (b *builder) checkMaintenance(s *Shoot, at func(...string) cue.Path) {
	w := s.Maintenance.Window
	if w == nil {
		return
	}
	begin, err1 := parseWindowTime(w.Begin)
	end, err2 := parseWindowTime(w.End)
	if err1 != nil || err2 != nil {
		b.fail(at("maintenance", "window"), "maintenance window %s to %s: times must be HHMMSS+ZZZZ", w.Begin, w.End)
		return
	}
	d := end.Sub(begin)
	if d <= 0 {
		d += 24 * time.Hour
	}
	if d < 30*time.Minute || d > 6*time.Hour {
		b.fail(at("maintenance", "window"), "maintenance window %s to %s is %s long; Gardener needs 30m to 6h", w.Begin, w.End, d)
	}
}

// parseWindowTime parses Gardener's HHMMSS+ZZZZ into an instant on a fixed day.
func parseWindowTime(s string) (time.Time, error) {
	t, err := time.Parse("150405-0700", s)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(2000, 1, 1, t.Hour(), t.Minute(), t.Second(), 0, t.Location()), nil
}

func (b *builder) checkExtensions(s *Shoot, at func(...string) cue.Path) {
	seen := map[string]bool{}
	for _, e := range s.Extensions {
		if seen[e.Type] {
			b.fail(at("extensions"), "extension %q is listed twice", e.Type)
		}
		seen[e.Type] = true
	}
}

// checkRollout checks waves, that shoots join declared waves, and that
// dependsOn names shoots or labs without a cycle.
func (b *builder) checkRollout(f *Fleet) {
	waves := map[string]bool{}
	for i, w := range b.doc.Waves {
		if waves[w.Name] {
			b.fail(path("waves").Append(cue.Index(i), cue.Str("name")), "wave %q is declared twice", w.Name)
		}
		waves[w.Name] = true
		if w.RawBake != "" {
			d, err := time.ParseDuration(w.RawBake)
			if err != nil {
				b.fail(path("waves").Append(cue.Index(i), cue.Str("bakeTime")), "wave %q: bakeTime %q: %v", w.Name, w.RawBake, err)
			}
			w.BakeTime = d
		}
		f.Waves = append(f.Waves, w)
	}
	for _, s := range f.Shoots {
		if w := s.Rollout.Wave; w != "" && !waves[w] {
			b.fail(b.source(b.layers(s.Name, settings{Project: s.Project, Environment: s.Environment}), sub("rollout", "wave")...),
				"shoot %q joins wave %q, which is not declared in waves", s.Name, w)
		}
	}
	known := map[string]bool{}
	for _, s := range f.Shoots {
		known[s.Name] = true
	}
	for _, l := range f.Labs {
		known[l.Name] = true
	}
	deps := map[string][]string{}
	for _, s := range f.Shoots {
		for _, d := range s.Rollout.DependsOn {
			if !known[d] {
				b.fail(b.source(b.layers(s.Name, settings{Project: s.Project, Environment: s.Environment}), sub("rollout", "dependsOn")...),
					"shoot %q depends on %q, which is neither a shoot nor a lab of this fleet", s.Name, d)
			}
		}
		deps[s.Name] = s.Rollout.DependsOn
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string, trail []string) []string
	visit = func(n string, trail []string) []string {
		switch state[n] {
		case 1:
			return append(trail, n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, d := range deps[n] {
			if cyc := visit(d, append(trail, n)); cyc != nil {
				return cyc
			}
		}
		state[n] = 2
		return nil
	}
	for _, s := range f.Shoots {
		if cyc := visit(s.Name, nil); cyc != nil {
			b.fail(path("shoots", s.Name, "rollout", "dependsOn"), "dependsOn forms a cycle: %s", joinArrows(cyc))
			return
		}
	}
}

func joinDots(ss []string) string   { return strings.Join(ss, ".") }
func joinArrows(ss []string) string { return strings.Join(ss, " -> ") }

func trimV(v string) string {
	if len(v) > 0 && v[0] == 'v' {
		return v[1:]
	}
	return v
}

func cloneObject(o Object) Object {
	c := make(Object, len(o))
	for k, v := range o {
		c[k] = v
	}
	return c
}
