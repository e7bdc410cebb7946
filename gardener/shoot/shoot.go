// Package shoot is the one place gardenfleet reads a live or rendered Shoot:
// it converts the fields the reconciler, clusters and the previews act on
// into Gardener's typed v1beta1.Shoot, and only those.
package shoot

import (
	"encoding/json"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	sigsjson "sigs.k8s.io/json"
)

// Shoot is Gardener's typed Shoot.
type Shoot = gardencorev1beta1.Shoot

// Read converts what gardenfleet reads of a Shoot into a typed Shoot: its
// name, namespace, generation and deletion time; spec.cloudProfile and
// cloudProfileName, spec.kubernetes.version, spec.hibernation.enabled,
// each worker's name, kubernetes.version, updateStrategy and machine type
// and image; status.hibernated, observedGeneration, lastOperation,
// conditions and inPlaceUpdates. Everything else is left zero: converting a
// whole Shoot on each pass for thousands of them would cost for nothing.
// u is only read. A field of the wrong type is an error naming the Shoot.
func Read(u *unstructured.Unstructured) (*Shoot, error) {
	s := &Shoot{}
	p := project(u.Object)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(p, s); err != nil {
		// The converter does not say which field: JSON's decoder does.
		if b, jerr := json.Marshal(p); jerr == nil {
			if jerr = sigsjson.UnmarshalCaseSensitivePreserveInts(b, &Shoot{}); jerr != nil {
				err = jerr
			}
		}
		return nil, fmt.Errorf("reading Shoot %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return s, nil
}

// project picks the fields Read converts, sharing u's values (the converter
// copies what it keeps).
func project(u map[string]any) map[string]any {
	out := map[string]any{}
	if meta, ok := u["metadata"].(map[string]any); ok {
		out["metadata"] = pick(meta, "name", "namespace", "generation", "deletionTimestamp")
	}
	if spec, ok := u["spec"].(map[string]any); ok {
		p := pick(spec, "cloudProfile", "cloudProfileName")
		if k, ok := spec["kubernetes"].(map[string]any); ok {
			p["kubernetes"] = pick(k, "version")
		}
		if h, ok := spec["hibernation"].(map[string]any); ok {
			p["hibernation"] = pick(h, "enabled")
		}
		if prov, ok := spec["provider"].(map[string]any); ok {
			if list, ok := prov["workers"].([]any); ok {
				workers := make([]any, 0, len(list))
				for _, item := range list {
					w, ok := item.(map[string]any)
					if !ok {
						workers = append(workers, item) // the converter names the error
						continue
					}
					pw := pick(w, "name", "updateStrategy")
					if k, ok := w["kubernetes"].(map[string]any); ok {
						pw["kubernetes"] = pick(k, "version")
					}
					if m, ok := w["machine"].(map[string]any); ok {
						pm := pick(m, "type")
						if img, ok := m["image"].(map[string]any); ok {
							pm["image"] = pick(img, "name", "version")
						}
						pw["machine"] = pm
					}
					workers = append(workers, pw)
				}
				p["provider"] = map[string]any{"workers": workers}
			}
		}
		out["spec"] = p
	}
	if status, ok := u["status"].(map[string]any); ok {
		out["status"] = pick(status, "hibernated", "observedGeneration", "lastOperation", "conditions", "inPlaceUpdates")
	}
	return out
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// CloudProfile names the shoot's cloud profile: kind CloudProfile unless
// it says otherwise, and the name of spec.cloudProfile, else of the
// cloudProfileName Gardener forbids from 1.34 on (live shoots made before).
func CloudProfile(s *Shoot) (kind, name string) {
	kind = "CloudProfile"
	if ref := s.Spec.CloudProfile; ref != nil {
		if ref.Kind != "" {
			kind = ref.Kind
		}
		name = ref.Name
	}
	if name == "" && s.Spec.CloudProfileName != nil {
		name = *s.Spec.CloudProfileName
	}
	return kind, name
}

// PoolVersion is a worker's own Kubernetes version; "" when it follows the
// control plane.
func PoolVersion(w *gardencorev1beta1.Worker) string {
	if w.Kubernetes == nil || w.Kubernetes.Version == nil {
		return ""
	}
	return *w.Kubernetes.Version
}

// InPlace reports whether a worker updates its nodes in place.
func InPlace(w *gardencorev1beta1.Worker) bool {
	if w.UpdateStrategy == nil {
		return false
	}
	switch *w.UpdateStrategy {
	case gardencorev1beta1.AutoInPlaceUpdate, gardencorev1beta1.ManualInPlaceUpdate:
		return true
	}
	return false
}

// Hibernated reports whether the shoot is, or is about to be, asleep:
// status.hibernated or spec.hibernation.enabled.
func Hibernated(s *Shoot) bool {
	h := s.Spec.Hibernation
	return s.Status.IsHibernated || h != nil && h.Enabled != nil && *h.Enabled
}

// Condition returns the shoot's condition of type t, nil when it reports none.
func Condition(s *Shoot, t gardencorev1beta1.ConditionType) *gardencorev1beta1.Condition {
	for i := range s.Status.Conditions {
		if s.Status.Conditions[i].Type == t {
			return &s.Status.Conditions[i]
		}
	}
	return nil
}

// PendingInPlace lists the pools whose in-place update Gardener has not
// finished (status.inPlaceUpdates.pendingWorkerUpdates).
func PendingInPlace(s *Shoot) []string {
	ip := s.Status.InPlaceUpdates
	if ip == nil || ip.PendingWorkerUpdates == nil {
		return nil
	}
	p := ip.PendingWorkerUpdates
	return append(append([]string(nil), p.AutoInPlaceUpdate...), p.ManualInPlaceUpdate...)
}
