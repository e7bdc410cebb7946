package metal

import (
	"reflect"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apismetal "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal"
	metalhelper "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal/helper"
	metalinstall "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal/install"
	metalvalidation "github.com/metal-stack/gardener-extension-provider-metal/pkg/apis/metal/validation"
	"github.com/metal-stack/metal-lib/pkg/tag"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Type is metal-stack's provider type.
const Type = "metal"

// TenantAnnotation is the annotation naming a metal Shoot's tenant
// (metal-lib's tag.ClusterTenant), required by metal-stack's webhook.
const TenantAnnotation = tag.ClusterTenant

// decoder decodes provider configs as the webhook does: strictly, into
// metal-stack's internal types.
var decoder = func() apiruntime.Decoder {
	s := apiruntime.NewScheme()
	metalinstall.Install(s)
	return serializer.NewCodecFactory(s, serializer.EnableStrict).UniversalDecoder()
}()

var (
	annotationsPath = field.NewPath("metadata", "annotations")
	providerPath    = field.NewPath("spec", "provider")
	infraPath       = providerPath.Child("infrastructureConfig")
	cpPath          = providerPath.Child("controlPlaneConfig")
)

// ValidateCreate judges a new Shoot s against its CloudProfile profile
// (empty when it is not known: then its regions and machine images refuse
// nothing and nothing is checked against a CloudProfileConfig). Shoots of
// other providers pass.
func ValidateCreate(s *core.Shoot, profile *gardencorev1beta1.CloudProfile) field.ErrorList {
	if s.Spec.Provider.Type != Type {
		return nil
	}
	// Upstream's validateShootCreation: the InfrastructureConfig against
	// the CloudProfile first, then everything validateShoot checks.
	infra, errs := infrastructureConfig(s)
	if errs != nil {
		return errs
	}
	cfg, errs := profileConfig(profile)
	if errs != nil {
		return errs
	}
	if errs := metalvalidation.ValidateInfrastructureConfigAgainstCloudProfile(infra, s, profile, cfg, infraPath); len(errs) > 0 {
		return errs
	}
	return validateShoot(s, profile, cfg)
}

// ValidateUpdate judges s as an update of old, as ValidateCreate does.
func ValidateUpdate(old, s *core.Shoot, profile *gardencorev1beta1.CloudProfile) field.ErrorList {
	if s.Spec.Provider.Type != Type {
		return nil
	}
	infra, errs := infrastructureConfig(s)
	if errs != nil {
		return errs
	}
	if old.Spec.Provider.InfrastructureConfig == nil {
		return field.ErrorList{field.InternalError(infraPath, errOldInfra)}
	}
	oldInfra, errs := infrastructureConfig(old)
	if errs != nil {
		return errs
	}
	cfg, errs := profileConfig(profile)
	if errs != nil {
		return errs
	}
	if cfg != nil && !reflect.DeepEqual(oldInfra, infra) {
		if errs := metalvalidation.ValidateInfrastructureConfigUpdate(oldInfra, infra, cfg); len(errs) > 0 {
			return under(infraPath, errs)
		}
	}
	if s.Annotations[TenantAnnotation] != old.Annotations[TenantAnnotation] {
		return field.ErrorList{field.Forbidden(annotationsPath, "tenant annotation of a shoot is immutable")}
	}
	return validateShoot(s, profile, cfg)
}

type errString string

func (e errString) Error() string { return string(e) }

const errOldInfra = errString("InfrastructureConfig is not available on old shoot")

// validateShoot is upstream's validateShoot, run on creates and updates.
func validateShoot(s *core.Shoot, profile *gardencorev1beta1.CloudProfile, cfg *apismetal.CloudProfileConfig) field.ErrorList {
	if _, ok := s.Annotations[TenantAnnotation]; !ok {
		return field.ErrorList{field.Required(annotationsPath, "cluster must be annotated with a tenant using the annotations: "+TenantAnnotation)}
	}
	infra, errs := infrastructureConfig(s)
	if errs != nil {
		return errs
	}
	if errs := metalvalidation.ValidateInfrastructureConfig(infra); len(errs) > 0 {
		return under(infraPath, errs)
	}
	if errs := metalvalidation.ValidateInfrastructureConfigAgainstCloudProfile(infra, s, profile, cfg, infraPath); len(errs) > 0 {
		return errs
	}
	cp := &apismetal.ControlPlaneConfig{}
	if s.Spec.Provider.ControlPlaneConfig != nil {
		if errs := decode(s.Spec.Provider.ControlPlaneConfig.Raw, cp, cpPath); errs != nil {
			return errs
		}
	}
	if errs := metalvalidation.ValidateControlPlaneConfig(cp, profile, cpPath); len(errs) > 0 {
		return errs
	}
	if cfg != nil {
		if errs := metalvalidation.ValidateControlPlaneConfigNetworkAccess(cp, cfg, infra.PartitionID, cpPath); len(errs) > 0 {
			return errs
		}
	}
	return metalvalidation.ValidateWorkers(s.Spec.Provider.Workers, profile, providerPath.Child("workers"))
}

// infrastructureConfig decodes s's InfrastructureConfig, which metal
// Shoots must have.
func infrastructureConfig(s *core.Shoot) (*apismetal.InfrastructureConfig, field.ErrorList) {
	if s.Spec.Provider.InfrastructureConfig == nil {
		return nil, field.ErrorList{field.Required(infraPath, "InfrastructureConfig must be set for metal shoots")}
	}
	infra := &apismetal.InfrastructureConfig{}
	if errs := decode(s.Spec.Provider.InfrastructureConfig.Raw, infra, infraPath); errs != nil {
		return nil, errs
	}
	return infra, nil
}

// profileConfig decodes the CloudProfile's CloudProfileConfig, nil when it
// has none.
func profileConfig(profile *gardencorev1beta1.CloudProfile) (*apismetal.CloudProfileConfig, field.ErrorList) {
	cfg, err := metalhelper.DecodeCloudProfileConfig(profile)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("spec", "cloudProfile"), profile.Name, err.Error())}
	}
	return cfg, nil
}

// decode decodes a provider config; one the webhook could not decode is
// refused in its words.
func decode(raw []byte, into apiruntime.Object, path *field.Path) field.ErrorList {
	if _, _, err := decoder.Decode(raw, nil, into); err != nil {
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
