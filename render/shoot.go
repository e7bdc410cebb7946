package render

import (
	"maps"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// Shoot renders a Gardener Shoot. A workerless shoot gets only what Gardener
// allows without workers; the fleet model has already dropped the rest.
func Shoot(s *fleet.Shoot) *unstructured.Unstructured {
	spec := map[string]any{
		"cloudProfile": map[string]any{"kind": s.CloudProfile.Kind, "name": s.CloudProfile.Name},
		"region":       s.Region,
		"kubernetes":   kubernetes(s),
		"provider":     provider(s),
	}
	setString(spec, "purpose", s.Purpose)
	if !s.Workerless() {
		setString(spec, "credentialsBindingName", s.CredentialsBinding)
	}
	if n := networking(s); len(n) > 0 {
		spec["networking"] = n
	}
	if m := maintenance(s); len(m) > 0 {
		spec["maintenance"] = m
	}
	if h := hibernation(s); len(h) > 0 {
		spec["hibernation"] = h
	}
	if len(s.Extensions) > 0 {
		exts := make([]any, len(s.Extensions))
		for i, e := range s.Extensions {
			ext := map[string]any{"type": e.Type}
			if e.ProviderConfig != nil {
				ext["providerConfig"] = copyJSON(e.ProviderConfig)
			}
			if e.Disabled != nil {
				ext["disabled"] = *e.Disabled
			}
			exts[i] = ext
		}
		spec["extensions"] = exts
	}
	if s.DNSDomain != "" {
		spec["dns"] = map[string]any{"domain": s.DNSDomain}
	}
	obj := object(GardenerAPIVersion, "Shoot", s.Namespace, s.Name, spec)
	if len(s.Labels) > 0 {
		obj.SetLabels(maps.Clone(s.Labels))
	}
	annotations := maps.Clone(s.Annotations)
	if s.Provider.Type == fleet.ProviderMetal && s.Provider.Metal != nil && s.Provider.Metal.Tenant != "" {
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[TenantAnnotation] = s.Provider.Metal.Tenant
	}
	if len(annotations) > 0 {
		obj.SetAnnotations(annotations)
	}
	return obj
}

func kubernetes(s *fleet.Shoot) map[string]any {
	k := s.Kubernetes
	out := map[string]any{"version": trimV(k.Version)}
	for name, o := range map[string]fleet.Object{
		"kubeAPIServer":         k.KubeAPIServer,
		"kubeControllerManager": k.KubeControllerManager,
		"etcd":                  k.Etcd,
		"kubeScheduler":         k.KubeScheduler,
		"kubelet":               k.Kubelet,
		"clusterAutoscaler":     k.ClusterAutoscaler,
		"verticalPodAutoscaler": k.VerticalPodAutoscaler,
	} {
		if o != nil {
			out[name] = copyJSON(o)
		}
	}
	if p := k.KubeProxy; p != nil {
		proxy := map[string]any{}
		setString(proxy, "mode", p.Mode)
		if p.Enabled != nil {
			proxy["enabled"] = *p.Enabled
		}
		out["kubeProxy"] = proxy
	}
	return out
}

func provider(s *fleet.Shoot) map[string]any {
	p := map[string]any{"type": s.Provider.Type}
	if s.Provider.Type == fleet.ProviderMetal && s.Provider.Metal != nil {
		p["infrastructureConfig"] = metalInfrastructureConfig(s.Provider.Metal)
		p["controlPlaneConfig"] = metalControlPlaneConfig(s.Provider.Metal)
	} else {
		if s.Provider.InfrastructureConfig != nil {
			p["infrastructureConfig"] = copyJSON(s.Provider.InfrastructureConfig)
		}
		if s.Provider.ControlPlaneConfig != nil {
			p["controlPlaneConfig"] = copyJSON(s.Provider.ControlPlaneConfig)
		}
	}
	if len(s.Pools) > 0 {
		workers := make([]any, len(s.Pools))
		for i := range s.Pools {
			workers[i] = worker(&s.Pools[i])
		}
		p["workers"] = workers
	}
	return p
}

// worker renders a pool. Gardener requires minimum and maximum: an unset
// minimum is 1 and an unset maximum equals the minimum.
func worker(p *fleet.Pool) map[string]any {
	machine := map[string]any{"type": p.Machine}
	if p.Image != nil {
		image := map[string]any{}
		setString(image, "name", p.Image.Name)
		setString(image, "version", p.Image.Version)
		machine["image"] = image
	}
	setString(machine, "architecture", p.Architecture)
	minimum := int64(1)
	if p.Minimum != nil {
		minimum = int64(*p.Minimum)
	}
	maximum := minimum
	if p.Maximum != nil {
		maximum = int64(*p.Maximum)
	}
	w := map[string]any{
		"name":    p.Name,
		"machine": machine,
		"minimum": minimum,
		"maximum": maximum,
	}
	if p.MaxSurge != nil {
		w["maxSurge"] = p.MaxSurge.Value()
	}
	if p.MaxUnavailable != nil {
		w["maxUnavailable"] = p.MaxUnavailable.Value()
	}
	if len(p.Zones) > 0 {
		w["zones"] = stringsToAny(p.Zones)
	}
	if len(p.Labels) > 0 {
		w["labels"] = stringMap(p.Labels)
	}
	if len(p.Annotations) > 0 {
		w["annotations"] = stringMap(p.Annotations)
	}
	if len(p.Taints) > 0 {
		taints := make([]any, len(p.Taints))
		for i, t := range p.Taints {
			taint := map[string]any{"key": t.Key, "effect": t.Effect}
			setString(taint, "value", t.Value)
			taints[i] = taint
		}
		w["taints"] = taints
	}
	if p.Volume != nil {
		vol := map[string]any{"size": p.Volume.Size}
		setString(vol, "type", p.Volume.Type)
		w["volume"] = vol
	}
	if p.CRI != "" {
		w["cri"] = map[string]any{"name": p.CRI}
	}
	if v := p.Version(); v != "" {
		w["kubernetes"] = map[string]any{"version": trimV(v)}
	}
	setString(w, "updateStrategy", p.UpdateStrategy)
	return w
}

func metalInfrastructureConfig(m *fleet.Metal) map[string]any {
	fw := map[string]any{
		"size":     m.Firewall.Size,
		"image":    m.Firewall.Image,
		"networks": stringsToAny(m.Firewall.Networks),
	}
	if len(m.Firewall.RateLimits) > 0 {
		limits := make([]any, len(m.Firewall.RateLimits))
		for i, r := range m.Firewall.RateLimits {
			limits[i] = map[string]any{"networkID": r.Network, "rateLimit": r.RateLimit}
		}
		fw["rateLimits"] = limits
	}
	if len(m.Firewall.EgressRules) > 0 {
		rules := make([]any, len(m.Firewall.EgressRules))
		for i, r := range m.Firewall.EgressRules {
			rules[i] = map[string]any{"networkID": r.Network, "ips": stringsToAny(r.IPs)}
		}
		fw["egressRules"] = rules
	}
	if m.Firewall.LogAcceptedConnections {
		fw["logAcceptedConnections"] = true
	}
	setString(fw, "controllerVersion", m.Firewall.ControllerVersion)
	return map[string]any{
		"apiVersion":  MetalAPIVersion,
		"kind":        "InfrastructureConfig",
		"partitionID": m.Partition,
		"projectID":   m.Project,
		"firewall":    fw,
	}
}

func metalControlPlaneConfig(m *fleet.Metal) map[string]any {
	cp := map[string]any{"apiVersion": MetalAPIVersion, "kind": "ControlPlaneConfig"}
	setString(cp, "networkAccessType", m.NetworkAccessType)
	ccm := map[string]any{}
	setString(ccm, "defaultExternalNetwork", m.ExternalNetwork)
	if len(m.CCMFeatureGates) > 0 {
		gates := map[string]any{}
		for k, v := range m.CCMFeatureGates {
			gates[k] = v
		}
		ccm["featureGates"] = gates
	}
	if len(ccm) > 0 {
		cp["cloudControllerManager"] = ccm
	}
	if m.StorageClass != "" {
		cp["customDefaultStorageClass"] = map[string]any{"className": m.StorageClass}
	}
	return cp
}

func networking(s *fleet.Shoot) map[string]any {
	n := s.Networking
	out := map[string]any{}
	setString(out, "type", n.Type)
	if n.ProviderConfig != nil {
		out["providerConfig"] = copyJSON(n.ProviderConfig)
	}
	setString(out, "pods", n.Pods)
	setString(out, "nodes", n.Nodes)
	setString(out, "services", n.Services)
	if len(n.IPFamilies) > 0 {
		out["ipFamilies"] = stringsToAny(n.IPFamilies)
	}
	return out
}

func maintenance(s *fleet.Shoot) map[string]any {
	out := map[string]any{}
	if w := s.Maintenance.Window; w != nil {
		out["timeWindow"] = map[string]any{"begin": w.Begin, "end": w.End}
	}
	if au := s.Maintenance.AutoUpdate; au != nil {
		a := map[string]any{}
		if au.KubernetesVersion != nil {
			a["kubernetesVersion"] = *au.KubernetesVersion
		}
		if au.MachineImageVersion != nil {
			a["machineImageVersion"] = *au.MachineImageVersion
		}
		out["autoUpdate"] = a
	}
	return out
}

// hibernation leaves out enabled when there are schedules: Gardener's
// hibernation controller owns it then.
func hibernation(s *fleet.Shoot) map[string]any {
	h := s.Hibernation
	out := map[string]any{}
	if len(h.Schedules) > 0 {
		schedules := make([]any, len(h.Schedules))
		for i, sc := range h.Schedules {
			m := map[string]any{}
			setString(m, "start", sc.Start)
			setString(m, "end", sc.End)
			setString(m, "location", sc.Location)
			schedules[i] = m
		}
		out["schedules"] = schedules
	} else if h.Enabled != nil {
		out["enabled"] = *h.Enabled
	}
	return out
}

func setString(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// copyJSON deep-copies a pass-through object so rendered objects never
// share maps with the model.
func copyJSON(o fleet.Object) map[string]any {
	return deepCopy(map[string]any(o)).(map[string]any)
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	case float64:
		// JSON numbers from CUE: keep integers as int64 as Kubernetes does.
		if x == float64(int64(x)) {
			return int64(x)
		}
		return x
	}
	return v
}

func trimV(v string) string {
	if len(v) > 0 && v[0] == 'v' {
		return v[1:]
	}
	return v
}
