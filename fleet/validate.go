package fleet

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"cuelang.org/go/cue"
)

// workerlessDropped lists the settings of shoots with workers that a
// workerless shoot drops when it inherits them, by path below the shoot:
// defaults written for shoots with workers must not break a workerless one.
// Set on the shoot itself they stay, and Gardener refuses them.
var workerlessDropped = [][]string{
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

// checkShoot checks what the fleet language itself means. Everything
// Gardener's own validation checks (required fields, versions and their
// skew, pools, maintenance windows, extensions, purpose) is left to it:
// package admission runs it on the rendered Shoot, and fleet/bounded
// places its refusals at the setting that produced the field.
func (b *builder) checkShoot(s *Shoot, layers []layer) {
	at := func(fields ...string) cue.Path { return b.source(layers, sub(fields...)...) }
	if s.Provider.Metal != nil && s.Provider.Type != ProviderMetal {
		b.fail(at("provider", "type"), "provider type %q cannot take a metal block", s.Provider.Type)
	}
	if s.Workerless() {
		b.checkWorkerless(s, layers)
		return
	}
	if s.Provider.Type == ProviderMetal {
		b.checkMetal(s, at)
	}
}

// checkWorkerless drops the worker settings a workerless shoot inherits
// (workerlessDropped); what it sets itself is left for Gardener to refuse.
func (b *builder) checkWorkerless(s *Shoot, layers []layer) {
	own := layers[len(layers)-1]
	if s.Provider.Type == ProviderMetal {
		b.failWorkerlessMetal(layers, own)
	}
	if sets(own.raw, "pool") {
		b.warn(join(own.path, cue.Str("pool")), "a workerless shoot has no pools: its pool defaults are ignored")
	}
	drop := map[string]bool{}
	for _, field := range workerlessDropped {
		drop[joinDots(field)] = !sets(own.raw, field...)
	}
	if drop["credentialsBinding"] {
		s.CredentialsBinding = ""
	}
	if drop["provider.infrastructureConfig"] {
		s.Provider.InfrastructureConfig = nil
	}
	if drop["provider.controlPlaneConfig"] {
		s.Provider.ControlPlaneConfig = nil
	}
	n := &s.Networking
	for field, v := range map[string]*string{"networking.type": &n.Type, "networking.pods": &n.Pods, "networking.nodes": &n.Nodes} {
		if drop[field] {
			*v = ""
		}
	}
	if drop["networking.providerConfig"] {
		n.ProviderConfig = nil
	}
	k := &s.Kubernetes
	for field, v := range map[string]*Object{
		"kubernetes.kubeScheduler": &k.KubeScheduler, "kubernetes.kubelet": &k.Kubelet,
		"kubernetes.clusterAutoscaler": &k.ClusterAutoscaler, "kubernetes.verticalPodAutoscaler": &k.VerticalPodAutoscaler,
	} {
		if drop[field] {
			*v = nil
		}
	}
	if drop["kubernetes.kubeProxy"] {
		k.KubeProxy = nil
	}
	if kcm := k.KubeControllerManager; kcm != nil {
		kcm = cloneObject(kcm)
		for _, f := range []string{"nodeCIDRMaskSize", "horizontalPodAutoscaler", "podEvictionTimeout", "nodeMonitorGracePeriod"} {
			if drop["kubernetes.kubeControllerManager."+f] {
				delete(kcm, f)
			}
		}
		if len(kcm) == 0 {
			kcm = nil
		}
		k.KubeControllerManager = kcm
	}
	if au := s.Maintenance.AutoUpdate; au != nil && drop["maintenance.autoUpdate.machineImageVersion"] {
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

func cloneObject(o Object) Object {
	c := make(Object, len(o))
	for k, v := range o {
		c[k] = v
	}
	return c
}
