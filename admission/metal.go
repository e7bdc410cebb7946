package admission

import (
	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	gardenerutils "github.com/gardener/gardener/pkg/utils/gardener"
	apismetal "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal"
	metalhelper "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal/helper"
	metalinstall "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal/install"
	metalvalidation "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal/validation"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// providerMetal is metal-stack's provider type.
const providerMetal = "metal"

// metalDecoder decodes provider configs as metal-stack's admission webhook
// does: strictly, into its internal types.
var metalDecoder = func() apiruntime.Decoder {
	s := apiruntime.NewScheme()
	metalinstall.Install(s)
	return serializer.NewCodecFactory(s, serializer.EnableStrict).UniversalDecoder()
}()

// validateMetal runs what metal-stack's Shoot admission webhook
// (gardener-extension-provider-metal's pkg/admission/validator) runs on a
// metal Shoot after Gardener admitted it: its own validation of the
// InfrastructureConfig, the ControlPlaneConfig and the workers. Like the
// webhook it stops at the first step that fails. profile is nil when the
// CloudProfile is unknown: then only the checks that need none run (the
// workers' machine images are the CloudProfile's business).
//
// The webhook's own checks of the tenant annotation and of updates
// (immutable partition and project) are not in the validation package;
// the fleet requires a tenant itself.
func validateMetal(s *core.Shoot, profile *gardencorev1beta1.CloudProfile) field.ErrorList {
	if s.Spec.Provider.Type != providerMetal {
		return nil
	}
	provider := field.NewPath("spec", "provider")
	infraPath := provider.Child("infrastructureConfig")
	if s.Spec.Provider.InfrastructureConfig == nil {
		return field.ErrorList{field.Required(infraPath, "InfrastructureConfig must be set for metal shoots")}
	}
	infra := &apismetal.InfrastructureConfig{}
	if errs := decodeMetal(s.Spec.Provider.InfrastructureConfig.Raw, infra, infraPath); errs != nil {
		return errs
	}
	// The validation package words its paths from the config's root.
	if errs := under(infraPath, metalvalidation.ValidateInfrastructureConfig(infra)); len(errs) > 0 {
		return errs
	}
	known := profile != nil
	if !known {
		// Its region and zone checks find nothing to check against; the
		// firewall networks are checked still.
		profile = &gardencorev1beta1.CloudProfile{}
	}
	profileConfig, err := metalhelper.DecodeCloudProfileConfig(profile)
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "cloudProfile"), profile.Name, err.Error())}
	}
	if errs := metalvalidation.ValidateInfrastructureConfigAgainstCloudProfile(infra, s, profile, profileConfig, infraPath); len(errs) > 0 {
		return errs
	}
	cpPath := provider.Child("controlPlaneConfig")
	cp := &apismetal.ControlPlaneConfig{}
	if s.Spec.Provider.ControlPlaneConfig != nil {
		if errs := decodeMetal(s.Spec.Provider.ControlPlaneConfig.Raw, cp, cpPath); errs != nil {
			return errs
		}
	}
	if errs := metalvalidation.ValidateControlPlaneConfig(cp, profile, cpPath); len(errs) > 0 {
		return errs
	}
	if profileConfig != nil {
		if errs := metalvalidation.ValidateControlPlaneConfigNetworkAccess(cp, profileConfig, infra.PartitionID, cpPath); len(errs) > 0 {
			return errs
		}
	}
	errs := metalvalidation.ValidateWorkers(s.Spec.Provider.Workers, profile, provider.Child("workers"))
	if !known {
		// Without the CloudProfile it would refuse every machine image: the
		// same Required error the mutator's defaults drop.
		errs = withoutMutatorDefaults(errs)
	}
	return errs
}

// decodeMetal decodes a provider config; a config the webhook could not
// decode is refused in its words.
func decodeMetal(raw []byte, into apiruntime.Object, path *field.Path) field.ErrorList {
	if _, _, err := metalDecoder.Decode(raw, nil, into); err != nil {
		return field.ErrorList{field.Invalid(path, string(raw), "isn't a supported version: "+err.Error())}
	}
	return nil
}

// under places errors with paths relative to a config at the config's path
// in the Shoot.
func under(path *field.Path, errs field.ErrorList) field.ErrorList {
	for _, e := range errs {
		e.Field = path.String() + "." + e.Field
	}
	return errs
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
