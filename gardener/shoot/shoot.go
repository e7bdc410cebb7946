// Package shoot is the one place gardenfleet reads a live or rendered Shoot:
// it converts the fields the reconciler, clusters and the previews act on
// into Gardener's typed v1beta1.Shoot, and only those.
package shoot

import (
	"fmt"
	"strconv"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Shoot is Gardener's typed Shoot.
type Shoot = gardencorev1beta1.Shoot

// Read converts what gardenfleet reads of a Shoot into a typed Shoot: its
// name, namespace, generation and deletion time; spec.cloudProfile and
// cloudProfileName, spec.kubernetes.version, spec.maintenance (timeWindow,
// confineSpecUpdateRollout, autoUpdate), spec.hibernation.enabled,
// each worker's name, kubernetes.version, updateStrategy and machine type
// and image; status.hibernated, observedGeneration, lastOperation,
// conditions and inPlaceUpdates. Everything else is left zero: a pass reads
// thousands of Shoots, and converting each whole (or even a projected copy)
// cost the daemon three times the allocations. The scalars are read
// directly, the status structs by the unstructured converter. u is only
// read. A field of the wrong type is an error naming the Shoot and field.
func Read(u *unstructured.Unstructured) (*Shoot, error) {
	r := reader{worker: -1}
	s := &Shoot{}
	s.Name, s.Namespace = u.GetName(), u.GetNamespace()
	s.Generation = r.int64(r.object(u.Object, "metadata", "metadata"), "generation", "metadata.generation")
	s.DeletionTimestamp = u.GetDeletionTimestamp()

	spec := r.object(u.Object, "spec", "spec")
	if ref := r.object(spec, "cloudProfile", "spec.cloudProfile"); ref != nil {
		s.Spec.CloudProfile = &gardencorev1beta1.CloudProfileReference{
			Kind: r.string(ref, "kind", "spec.cloudProfile.kind"),
			Name: r.string(ref, "name", "spec.cloudProfile.name"),
		}
	}
	s.Spec.CloudProfileName = r.optString(spec, "cloudProfileName", "spec.cloudProfileName") //nolint:staticcheck // SA1019: live Shoots still carry it (synced until Kubernetes v1.33)
	s.Spec.Kubernetes.Version = r.string(r.object(spec, "kubernetes", "spec.kubernetes"), "version", "spec.kubernetes.version")
	if m := r.object(spec, "maintenance", "spec.maintenance"); m != nil {
		s.Spec.Maintenance = &gardencorev1beta1.Maintenance{
			ConfineSpecUpdateRollout: r.optBool(m, "confineSpecUpdateRollout", "spec.maintenance.confineSpecUpdateRollout"),
		}
		if tw := r.object(m, "timeWindow", "spec.maintenance.timeWindow"); tw != nil {
			s.Spec.Maintenance.TimeWindow = &gardencorev1beta1.MaintenanceTimeWindow{
				Begin: r.string(tw, "begin", "spec.maintenance.timeWindow.begin"),
				End:   r.string(tw, "end", "spec.maintenance.timeWindow.end"),
			}
		}
		if au := r.object(m, "autoUpdate", "spec.maintenance.autoUpdate"); au != nil {
			s.Spec.Maintenance.AutoUpdate = &gardencorev1beta1.MaintenanceAutoUpdate{
				MachineImageVersion: r.optBool(au, "machineImageVersion", "spec.maintenance.autoUpdate.machineImageVersion"),
			}
			if b := r.optBool(au, "kubernetesVersion", "spec.maintenance.autoUpdate.kubernetesVersion"); b != nil {
				s.Spec.Maintenance.AutoUpdate.KubernetesVersion = *b
			}
		}
	}
	if h := r.object(spec, "hibernation", "spec.hibernation"); h != nil {
		s.Spec.Hibernation = &gardencorev1beta1.Hibernation{Enabled: r.optBool(h, "enabled", "spec.hibernation.enabled")}
	}
	workers := r.list(r.object(spec, "provider", "spec.provider"), "workers", "spec.provider.workers")
	if len(workers) > 0 {
		s.Spec.Provider.Workers = make([]gardencorev1beta1.Worker, len(workers))
	}
	for i, item := range workers {
		m, ok := item.(map[string]any)
		if !ok {
			r.fail("spec.provider.workers["+strconv.Itoa(i)+"]", "an object", item)
			continue
		}
		// Paths below are relative to the worker; fail prefixes them.
		r.worker = i
		w := &s.Spec.Provider.Workers[i]
		w.Name = r.string(m, "name", "name")
		if v := r.optString(r.object(m, "kubernetes", "kubernetes"), "version", "kubernetes.version"); v != nil {
			w.Kubernetes = &gardencorev1beta1.WorkerKubernetes{Version: v}
		}
		w.UpdateStrategy = (*gardencorev1beta1.MachineUpdateStrategy)(r.optString(m, "updateStrategy", "updateStrategy"))
		machine := r.object(m, "machine", "machine")
		w.Machine.Type = r.string(machine, "type", "machine.type")
		if img := r.object(machine, "image", "machine.image"); img != nil {
			w.Machine.Image = &gardencorev1beta1.ShootMachineImage{
				Name:    r.string(img, "name", "machine.image.name"),
				Version: r.optString(img, "version", "machine.image.version"),
			}
		}
		r.worker = -1
	}

	status := r.object(u.Object, "status", "status")
	if b := r.optBool(status, "hibernated", "status.hibernated"); b != nil {
		s.Status.IsHibernated = *b
	}
	s.Status.ObservedGeneration = r.int64(status, "observedGeneration", "status.observedGeneration")
	if op := r.object(status, "lastOperation", "status.lastOperation"); op != nil {
		s.Status.LastOperation = &gardencorev1beta1.LastOperation{}
		r.convert(op, s.Status.LastOperation, "status.lastOperation")
	}
	conds := r.list(status, "conditions", "status.conditions")
	if len(conds) > 0 {
		s.Status.Conditions = make([]gardencorev1beta1.Condition, len(conds))
	}
	for i, c := range conds {
		path := "status.conditions[" + strconv.Itoa(i) + "]"
		if m, ok := c.(map[string]any); ok {
			r.convert(m, &s.Status.Conditions[i], path)
		} else {
			r.fail(path, "an object", c)
		}
	}
	if ip := r.object(status, "inPlaceUpdates", "status.inPlaceUpdates"); ip != nil {
		s.Status.InPlaceUpdates = &gardencorev1beta1.InPlaceUpdatesStatus{}
		r.convert(ip, s.Status.InPlaceUpdates, "status.inPlaceUpdates")
	}
	if r.err != nil {
		return nil, fmt.Errorf("reading Shoot %s/%s: %w", u.GetNamespace(), u.GetName(), r.err)
	}
	return s, nil
}

// reader reads fields of an unstructured object, keeping the first error.
// A missing field or object reads as zero; a nil map is fine to read.
// Paths are constants, relative to spec.provider.workers[worker] while
// worker is not -1, so that reading builds no strings.
type reader struct {
	err    error
	worker int
}

func (r *reader) fail(path, want string, got any) {
	if r.err != nil {
		return
	}
	if r.worker >= 0 {
		path = "spec.provider.workers[" + strconv.Itoa(r.worker) + "]." + path
	}
	r.err = fmt.Errorf("%s: want %s, got %T", path, want, got)
}

func (r *reader) object(m map[string]any, key, path string) map[string]any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		r.fail(path, "an object", v)
	}
	return o
}

func (r *reader) list(m map[string]any, key, path string) []any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		r.fail(path, "a list", v)
	}
	return l
}

func (r *reader) string(m map[string]any, key, path string) string {
	if p := r.optString(m, key, path); p != nil {
		return *p
	}
	return ""
}

func (r *reader) optString(m map[string]any, key, path string) *string {
	return optional[string](r, m, key, path, "a string")
}

func (r *reader) optBool(m map[string]any, key, path string) *bool {
	return optional[bool](r, m, key, path, "a boolean")
}

// optional reads a field of type T; nil when it is missing or null.
func optional[T any](r *reader, m map[string]any, key, path, want string) *T {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	t, ok := v.(T)
	if !ok {
		r.fail(path, want, v)
		return nil
	}
	return &t
}

// int64 takes what JSON decoders give: int64, or a float64 that is whole.
func (r *reader) int64(m map[string]any, key, path string) int64 {
	switch v := m[key].(type) {
	case nil:
	case int64:
		return v
	case float64:
		if v == float64(int64(v)) {
			return int64(v)
		}
		r.fail(path, "an integer", v)
	default:
		r.fail(path, "an integer", v)
	}
	return 0
}

// convert fills a typed status struct from its object with the unstructured
// converter; its own message does not say where, so path does.
func (r *reader) convert(m map[string]any, into any, path string) {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, into); err != nil && r.err == nil {
		r.err = fmt.Errorf("%s: %w", path, err)
	}
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
	if name == "" && s.Spec.CloudProfileName != nil { //nolint:staticcheck // SA1019: live Shoots still carry it
		name = *s.Spec.CloudProfileName //nolint:staticcheck // SA1019: as above
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
