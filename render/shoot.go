package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	metalv1alpha1 "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	sigsjson "sigs.k8s.io/json"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// ShootError is a shoot the fleet declares that does not render into
// Gardener's API: the fleet is invalid.
type ShootError struct {
	Namespace, Name string
	Err             error
}

func (e *ShootError) Error() string {
	return fmt.Sprintf("shoot %s/%s: %v", e.Namespace, e.Name, e.Err)
}
func (e *ShootError) Unwrap() error { return e.Err }

// Shoot renders a Gardener Shoot. A workerless shoot gets only what Gardener
// allows without workers; the fleet model has already dropped the rest. The
// component settings the fleet passes as free-form objects (kubeAPIServer,
// kubelet, ...) are decoded strictly into Gardener's types: a field Gardener
// does not know is an error naming it.
func Shoot(s *fleet.Shoot) (*unstructured.Unstructured, error) {
	spec := gardencorev1beta1.ShootSpec{
		CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: s.CloudProfile.Kind, Name: s.CloudProfile.Name},
		Region:       s.Region,
		Purpose:      (*gardencorev1beta1.ShootPurpose)(optional(s.Purpose)),
		Networking:   networking(s),
		Maintenance:  maintenance(s),
		Hibernation:  hibernation(s),
	}
	var err error
	if spec.Kubernetes, err = kubernetes(s); err != nil {
		return nil, &ShootError{Namespace: s.Namespace, Name: s.Name, Err: err}
	}
	spec.Provider = provider(s)
	if !s.Workerless() {
		spec.CredentialsBindingName = optional(s.CredentialsBinding)
	}
	for _, e := range s.Extensions {
		spec.Extensions = append(spec.Extensions, gardencorev1beta1.Extension{
			Type: e.Type, ProviderConfig: raw(e.ProviderConfig), Disabled: e.Disabled,
		})
	}
	if s.DNSDomain != "" {
		spec.DNS = &gardencorev1beta1.DNS{Domain: &s.DNSDomain}
	}
	shoot := &gardencorev1beta1.Shoot{
		TypeMeta:   metav1.TypeMeta{APIVersion: GardenerAPIVersion, Kind: "Shoot"},
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: s.Name},
		Spec:       spec,
	}
	if len(s.Labels) > 0 {
		shoot.Labels = maps.Clone(s.Labels)
	}
	annotations := maps.Clone(s.Annotations)
	if s.Provider.Type == fleet.ProviderMetal && s.Provider.Metal != nil && s.Provider.Metal.Tenant != "" {
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[TenantAnnotation] = s.Provider.Metal.Tenant
	}
	if len(annotations) > 0 {
		shoot.Annotations = annotations
	}
	obj, err := toUnstructured(shoot)
	if err != nil {
		return nil, fmt.Errorf("shoot %s/%s: %w", s.Namespace, s.Name, err)
	}
	// MaintenanceAutoUpdate.KubernetesVersion is a plain bool: leave it out
	// unless the fleet sets it, as before and as the API server reads it.
	if au := s.Maintenance.AutoUpdate; au != nil && au.KubernetesVersion == nil {
		unstructured.RemoveNestedField(obj.Object, "spec", "maintenance", "autoUpdate", "kubernetesVersion")
	}
	if s.Provider.Type == fleet.ProviderMetal && s.Provider.Metal != nil {
		// Plain fields of the metal types the fleet leaves unset.
		dropZero(obj.Object, false, "spec", "provider", "infrastructureConfig", "firewall", "logAcceptedConnections")
		dropZero(obj.Object, "", "spec", "provider", "infrastructureConfig", "firewall", "controllerVersion")
		if fg, ok, _ := unstructured.NestedMap(obj.Object, "spec", "provider", "controlPlaneConfig", "featureGates"); ok && len(fg) == 0 {
			unstructured.RemoveNestedField(obj.Object, "spec", "provider", "controlPlaneConfig", "featureGates")
		}
	}
	restorePassThrough(obj, s)
	if err := mergeShootFields(obj, s.ShootFields); err != nil {
		return nil, &ShootError{Namespace: s.Namespace, Name: s.Name, Err: err}
	}
	return obj, nil
}

// mergeShootFields merges the fleet's raw Shoot fields over what the model
// rendered, by the rule layers merge by: objects field by field, lists and
// scalars replaced whole. Gardener's validation judges the result.
func mergeShootFields(obj *unstructured.Unstructured, fields fleet.Object) error {
	if len(fields) == 0 {
		return nil
	}
	base, err := obj.MarshalJSON()
	if err != nil {
		return fmt.Errorf("shoot fields: %w", err)
	}
	over, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("shoot fields: %w", err)
	}
	merged, err := fleet.MergeJSON(base, over)
	if err != nil {
		return fmt.Errorf("shoot fields: %w", err)
	}
	// Decoded as Kubernetes decodes: whole numbers become int64.
	if err := obj.UnmarshalJSON(merged); err != nil {
		return fmt.Errorf("shoot fields: %w", err)
	}
	return nil
}

// dropZero removes the field at path when it holds zero.
func dropZero(obj map[string]any, zero any, path ...string) {
	if v, ok, _ := unstructured.NestedFieldNoCopy(obj, path...); ok && v == zero {
		unstructured.RemoveNestedField(obj, path...)
	}
}

// restorePassThrough puts the fleet's pass-through provider configs back as
// the fleet wrote them: they are no type of ours, so nothing is pruned or
// converted in them.
func restorePassThrough(obj *unstructured.Unstructured, s *fleet.Shoot) {
	spec := obj.Object["spec"].(map[string]any)
	if s.Networking.ProviderConfig != nil {
		spec["networking"].(map[string]any)["providerConfig"] = copyJSON(s.Networking.ProviderConfig)
	}
	if exts, ok := spec["extensions"].([]any); ok {
		for i, e := range s.Extensions {
			if e.ProviderConfig != nil {
				exts[i].(map[string]any)["providerConfig"] = copyJSON(e.ProviderConfig)
			}
		}
	}
	if s.Provider.Type != fleet.ProviderMetal || s.Provider.Metal == nil {
		p := spec["provider"].(map[string]any)
		if s.Provider.InfrastructureConfig != nil {
			p["infrastructureConfig"] = copyJSON(s.Provider.InfrastructureConfig)
		}
		if s.Provider.ControlPlaneConfig != nil {
			p["controlPlaneConfig"] = copyJSON(s.Provider.ControlPlaneConfig)
		}
	}
}

func kubernetes(s *fleet.Shoot) (gardencorev1beta1.Kubernetes, error) {
	k := s.Kubernetes
	out := gardencorev1beta1.Kubernetes{Version: trimV(k.Version)}
	for _, f := range []struct {
		name string
		obj  fleet.Object
		into any
	}{
		{"kubeAPIServer", k.KubeAPIServer, &out.KubeAPIServer},
		{"kubeControllerManager", k.KubeControllerManager, &out.KubeControllerManager},
		{"etcd", k.Etcd, &out.ETCD},
		{"kubeScheduler", k.KubeScheduler, &out.KubeScheduler},
		{"kubelet", k.Kubelet, &out.Kubelet},
		{"clusterAutoscaler", k.ClusterAutoscaler, &out.ClusterAutoscaler},
		{"verticalPodAutoscaler", k.VerticalPodAutoscaler, &out.VerticalPodAutoscaler},
	} {
		if f.obj == nil {
			continue
		}
		if err := decodeStrict(f.obj, f.into); err != nil {
			return out, fmt.Errorf("kubernetes.%s: %w", f.name, err)
		}
	}
	if p := k.KubeProxy; p != nil {
		out.KubeProxy = &gardencorev1beta1.KubeProxyConfig{
			Mode:    (*gardencorev1beta1.ProxyMode)(optional(p.Mode)),
			Enabled: p.Enabled,
		}
	}
	return out, nil
}

// decodeStrict decodes a free-form fleet object into an upstream type,
// refusing fields the type does not have.
func decodeStrict(o fleet.Object, into any) error {
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	strict, err := sigsjson.UnmarshalStrict(b, into)
	if err != nil {
		return fmt.Errorf("decoding: %w", err)
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return fmt.Errorf("%s (not a field of Gardener's v1beta1 API)", strings.Join(msgs, ", "))
	}
	return nil
}

func provider(s *fleet.Shoot) gardencorev1beta1.Provider {
	p := gardencorev1beta1.Provider{Type: s.Provider.Type}
	if s.Provider.Type == fleet.ProviderMetal && s.Provider.Metal != nil {
		p.InfrastructureConfig = &runtime.RawExtension{Object: metalInfrastructureConfig(s.Provider.Metal)}
		p.ControlPlaneConfig = &runtime.RawExtension{Object: metalControlPlaneConfig(s.Provider.Metal)}
	} else {
		p.InfrastructureConfig = raw(s.Provider.InfrastructureConfig)
		p.ControlPlaneConfig = raw(s.Provider.ControlPlaneConfig)
	}
	for i := range s.Pools {
		p.Workers = append(p.Workers, worker(&s.Pools[i]))
	}
	return p
}

// worker renders a pool. Gardener requires minimum and maximum: an unset
// minimum is 1 and an unset maximum equals the minimum.
func worker(p *fleet.Pool) gardencorev1beta1.Worker {
	machine := gardencorev1beta1.Machine{Type: p.Machine, Architecture: optional(p.Architecture)}
	if p.Image != nil {
		machine.Image = &gardencorev1beta1.ShootMachineImage{Name: p.Image.Name, Version: optional(p.Image.Version)}
	}
	minimum := int32(1)
	if p.Minimum != nil {
		minimum = *p.Minimum
	}
	maximum := minimum
	if p.Maximum != nil {
		maximum = *p.Maximum
	}
	w := gardencorev1beta1.Worker{
		Name:           p.Name,
		Machine:        machine,
		Minimum:        minimum,
		Maximum:        maximum,
		MaxSurge:       intOrPercent(p.MaxSurge),
		MaxUnavailable: intOrPercent(p.MaxUnavailable),
		Zones:          p.Zones,
		Labels:         p.Labels,
		Annotations:    p.Annotations,
		UpdateStrategy: (*gardencorev1beta1.MachineUpdateStrategy)(optional(p.UpdateStrategy)),
	}
	for _, t := range p.Taints {
		w.Taints = append(w.Taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)})
	}
	if p.Volume != nil {
		w.Volume = &gardencorev1beta1.Volume{VolumeSize: p.Volume.Size, Type: optional(p.Volume.Type)}
	}
	if p.CRI != "" {
		w.CRI = &gardencorev1beta1.CRI{Name: gardencorev1beta1.CRIName(p.CRI)}
	}
	if v := p.Version(); v != "" {
		w.Kubernetes = &gardencorev1beta1.WorkerKubernetes{Version: optional(trimV(v))}
	}
	return w
}

func intOrPercent(v *fleet.IntOrPercent) *intstr.IntOrString {
	if v == nil {
		return nil
	}
	if v.Percent != "" {
		return new(intstr.FromString(v.Percent))
	}
	return new(intstr.FromInt32(v.Int))
}

func metalInfrastructureConfig(m *fleet.Metal) *metalv1alpha1.InfrastructureConfig {
	fw := metalv1alpha1.Firewall{
		Size:                   m.Firewall.Size,
		Image:                  m.Firewall.Image,
		Networks:               m.Firewall.Networks,
		LogAcceptedConnections: m.Firewall.LogAcceptedConnections,
		ControllerVersion:      m.Firewall.ControllerVersion,
	}
	if fw.Networks == nil {
		// Always sent, as before: the extension requires the list.
		fw.Networks = []string{}
	}
	for _, r := range m.Firewall.RateLimits {
		fw.RateLimits = append(fw.RateLimits, metalv1alpha1.RateLimit{NetworkID: r.Network, RateLimit: uint32(r.RateLimit)})
	}
	for _, r := range m.Firewall.EgressRules {
		fw.EgressRules = append(fw.EgressRules, metalv1alpha1.EgressRule{NetworkID: r.Network, IPs: r.IPs})
	}
	return &metalv1alpha1.InfrastructureConfig{
		TypeMeta:    metav1.TypeMeta{APIVersion: MetalAPIVersion, Kind: "InfrastructureConfig"},
		PartitionID: m.Partition,
		ProjectID:   m.Project,
		Firewall:    fw,
	}
}

func metalControlPlaneConfig(m *fleet.Metal) *metalv1alpha1.ControlPlaneConfig {
	cp := &metalv1alpha1.ControlPlaneConfig{
		TypeMeta:          metav1.TypeMeta{APIVersion: MetalAPIVersion, Kind: "ControlPlaneConfig"},
		NetworkAccessType: (*metalv1alpha1.NetworkAccessType)(optional(m.NetworkAccessType)),
	}
	if m.ExternalNetwork != "" || len(m.CCMFeatureGates) > 0 {
		cp.CloudControllerManager = &metalv1alpha1.CloudControllerManagerConfig{
			DefaultExternalNetwork: optional(m.ExternalNetwork),
			FeatureGates:           m.CCMFeatureGates,
		}
	}
	if m.StorageClass != "" {
		cp.CustomDefaultStorageClass = &metalv1alpha1.CustomDefaultStorageClass{ClassName: m.StorageClass}
	}
	return cp
}

func networking(s *fleet.Shoot) *gardencorev1beta1.Networking {
	n := s.Networking
	out := &gardencorev1beta1.Networking{
		Type:           optional(n.Type),
		ProviderConfig: raw(n.ProviderConfig),
		Pods:           optional(n.Pods),
		Nodes:          optional(n.Nodes),
		Services:       optional(n.Services),
	}
	for _, f := range n.IPFamilies {
		out.IPFamilies = append(out.IPFamilies, gardencorev1beta1.IPFamily(f))
	}
	if out.Type == nil && out.ProviderConfig == nil && out.Pods == nil && out.Nodes == nil && out.Services == nil && len(out.IPFamilies) == 0 {
		return nil
	}
	return out
}

func maintenance(s *fleet.Shoot) *gardencorev1beta1.Maintenance {
	out := &gardencorev1beta1.Maintenance{}
	if w := s.Maintenance.Window; w != nil {
		out.TimeWindow = &gardencorev1beta1.MaintenanceTimeWindow{Begin: w.Begin, End: w.End}
	}
	if au := s.Maintenance.AutoUpdate; au != nil {
		out.AutoUpdate = &gardencorev1beta1.MaintenanceAutoUpdate{
			KubernetesVersion:   au.KubernetesVersion != nil && *au.KubernetesVersion,
			MachineImageVersion: au.MachineImageVersion,
		}
	}
	if out.TimeWindow == nil && out.AutoUpdate == nil {
		return nil
	}
	return out
}

// hibernation leaves out enabled when there are schedules: Gardener's
// hibernation controller owns it then.
func hibernation(s *fleet.Shoot) *gardencorev1beta1.Hibernation {
	h := s.Hibernation
	if len(h.Schedules) > 0 {
		out := &gardencorev1beta1.Hibernation{}
		for _, sc := range h.Schedules {
			out.Schedules = append(out.Schedules, gardencorev1beta1.HibernationSchedule{
				Start: optional(sc.Start), End: optional(sc.End), Location: optional(sc.Location),
			})
		}
		return out
	}
	if h.Enabled != nil {
		return &gardencorev1beta1.Hibernation{Enabled: h.Enabled}
	}
	return nil
}

// optional is nil for "", as Gardener's optional string fields take it.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// raw carries a pass-through object in a typed field; restorePassThrough
// puts the fleet's own map back after conversion.
func raw(o fleet.Object) *runtime.RawExtension {
	if o == nil {
		return nil
	}
	b, err := json.Marshal(o)
	if err != nil {
		// A fleet.Object comes from JSON: it always encodes.
		panic(fmt.Sprintf("encoding pass-through object: %v", err))
	}
	return &runtime.RawExtension{Raw: b}
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
