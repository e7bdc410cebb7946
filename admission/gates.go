package admission

import (
	"fmt"
	"sync"

	apiserverfeatures "github.com/gardener/gardener/pkg/apiserver/features"
	"github.com/gardener/gardener/pkg/features"
	"github.com/go-logr/logr"
	"k8s.io/component-base/featuregate"
)

var (
	registerOnce sync.Once
	// defaults are gardener-apiserver's gates at their defaults: each New
	// starts from them.
	defaults map[string]bool
)

// register adds gardener-apiserver's feature gates to Gardener's global
// gate: validation reads them and panics on an unregistered one.
func register() {
	registerOnce.Do(func() {
		before := features.DefaultFeatureGate.GetAll()
		apiserverfeatures.RegisterFeatureGates()
		defaults = map[string]bool{}
		for name, spec := range features.DefaultFeatureGate.GetAll() {
			if _, ok := before[name]; !ok {
				defaults[string(name)] = spec.Default
			}
		}
	})
}

// ParseFeatureGates checks gates in Gardener's syntax
// ("InPlaceNodeUpdates=true,CloudProfileCapabilities=false") with
// Kubernetes' feature gate code, without setting them.
func ParseFeatureGates(gates string) error {
	register()
	return parse(features.DefaultFeatureGate.DeepCopy(), gates)
}

func parse(g featuregate.MutableVersionedFeatureGate, gates string) error {
	if gates == "" {
		return nil
	}
	// SetWithLogger: Set logs every gate set to klog's stderr.
	if err := g.(featuregate.MutableFeatureGateWithLogger).SetWithLogger(logr.Discard(), gates); err != nil {
		return fmt.Errorf("feature gates %q: %w", gates, err)
	}
	return nil
}

// setFeatureGates sets Gardener's gates to their defaults and then gates.
func setFeatureGates(gates string) error {
	if err := ParseFeatureGates(gates); err != nil {
		return err
	}
	g := features.DefaultFeatureGate.(featuregate.MutableFeatureGateWithLogger)
	if err := g.SetFromMapWithLogger(logr.Discard(), defaults); err != nil {
		return fmt.Errorf("resetting feature gates: %w", err)
	}
	return parse(features.DefaultFeatureGate, gates)
}
