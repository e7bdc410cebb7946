package admission

import (
	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	gardenerutils "github.com/gardener/gardener/pkg/utils/gardener"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardenfleet/gardenfleet/gardener/metal"
)

// validateMetal runs what metal-stack's Shoot admission webhook runs on a
// new metal Shoot after Gardener admitted it (gardener/metal, which the
// landscape's webhook serves too). profile is nil when the CloudProfile is
// unknown: then only the checks that need none run (the workers' machine
// images are the CloudProfile's business).
func validateMetal(s *core.Shoot, profile *gardencorev1beta1.CloudProfile) field.ErrorList {
	return withoutProfile(profile, func(p *gardencorev1beta1.CloudProfile) field.ErrorList {
		return metal.ValidateCreate(s, p)
	})
}

// validateMetalUpdate is validateMetal for s as an update of old: the
// InfrastructureConfig's update rules and the immutable tenant annotation.
func validateMetalUpdate(old, s *core.Shoot, profile *gardencorev1beta1.CloudProfile) field.ErrorList {
	return withoutProfile(profile, func(p *gardencorev1beta1.CloudProfile) field.ErrorList {
		return metal.ValidateUpdate(old, s, p)
	})
}

// withoutProfile runs validate with profile, or an empty CloudProfile when
// it is not known: its region checks find nothing to check against, and the
// Required machine images it would refuse are the mutator's defaults.
func withoutProfile(profile *gardencorev1beta1.CloudProfile, validate func(*gardencorev1beta1.CloudProfile) field.ErrorList) field.ErrorList {
	if profile != nil {
		return validate(profile)
	}
	return withoutMutatorDefaults(validate(&gardencorev1beta1.CloudProfile{}))
}

// profileOf returns the CloudProfile s names (a NamespacedCloudProfile's
// as merged with its parent), or nil when it is not known.
func (j *Judge) profileOf(s *core.Shoot) *gardencorev1beta1.CloudProfile {
	spec, err := gardenerutils.GetCloudProfileSpec(j.core.Core().V1beta1().CloudProfiles().Lister(), j.core.Core().V1beta1().NamespacedCloudProfiles().Lister(), s)
	if err != nil || spec == nil {
		return nil
	}
	cp := &gardencorev1beta1.CloudProfile{Spec: *spec}
	if ref := gardenerutils.BuildCoreCloudProfileReference(s); ref != nil {
		cp.Name = ref.Name
	}
	return cp
}
