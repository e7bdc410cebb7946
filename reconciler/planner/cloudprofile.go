package planner

import (
	"fmt"
	"time"

	"sigs.k8s.io/yaml"
)

// cloudProfile is the part of core.gardener.cloud/v1beta1 CloudProfile and
// NamespacedCloudProfile the planner reads.
type cloudProfile struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Spec       cloudProfileSpec `json:"spec"`
	Status     struct {
		// A NamespacedCloudProfile carries its merged profile here.
		CloudProfileSpec *cloudProfileSpec `json:"cloudProfileSpec"`
	} `json:"status"`
}

type cloudProfileSpec struct {
	Kubernetes struct {
		Versions []expirableVersion `json:"versions"`
	} `json:"kubernetes"`
}

type expirableVersion struct {
	Version        string           `json:"version"`
	Classification string           `json:"classification"`
	ExpirationDate *time.Time       `json:"expirationDate"`
	Lifecycle      []lifecycleStage `json:"lifecycle"`
}

type lifecycleStage struct {
	Classification string     `json:"classification"`
	StartTime      *time.Time `json:"startTime"`
}

// DecodeCloudProfile reads the Kubernetes versions of a CloudProfile, or of
// a NamespacedCloudProfile's status.cloudProfileSpec, from YAML or JSON, and
// classifies each as of now: by its lifecycle (GEP-32), else by its
// classification and expirationDate, else as supported.
func DecodeCloudProfile(data []byte, now time.Time) ([]ProfileVersion, error) {
	var cp cloudProfile
	if err := yaml.Unmarshal(data, &cp); err != nil {
		return nil, fmt.Errorf("decode cloud profile: %w", err)
	}
	if cp.APIVersion != "core.gardener.cloud/v1beta1" {
		return nil, fmt.Errorf("decode cloud profile: apiVersion %q, want core.gardener.cloud/v1beta1", cp.APIVersion)
	}
	spec := &cp.Spec
	switch cp.Kind {
	case "CloudProfile":
	case "NamespacedCloudProfile":
		if cp.Status.CloudProfileSpec == nil {
			return nil, fmt.Errorf("decode cloud profile: NamespacedCloudProfile has no status.cloudProfileSpec yet")
		}
		spec = cp.Status.CloudProfileSpec
	default:
		return nil, fmt.Errorf("decode cloud profile: kind %q, want CloudProfile or NamespacedCloudProfile", cp.Kind)
	}
	out := make([]ProfileVersion, 0, len(spec.Kubernetes.Versions))
	for i, ev := range spec.Kubernetes.Versions {
		v, err := ParseVersion(ev.Version)
		if err != nil {
			return nil, fmt.Errorf("decode cloud profile: spec.kubernetes.versions[%d]: %w", i, err)
		}
		class, err := classify(ev, now)
		if err != nil {
			return nil, fmt.Errorf("decode cloud profile: version %s: %w", v, err)
		}
		out = append(out, ProfileVersion{Version: v, Classification: class})
	}
	return out, nil
}

func classify(ev expirableVersion, now time.Time) (Classification, error) {
	if len(ev.Lifecycle) > 0 {
		if ev.Classification != "" || ev.ExpirationDate != nil {
			return "", fmt.Errorf("lifecycle cannot be combined with classification or expirationDate")
		}
		// The last stage that has started wins; none started is unavailable.
		current := Unavailable
		for _, stage := range ev.Lifecycle {
			class, err := ParseClassification(stage.Classification)
			if err != nil {
				return "", err
			}
			if stage.StartTime == nil || !now.Before(*stage.StartTime) {
				current = class
			}
		}
		return current, nil
	}
	class, err := ParseClassification(ev.Classification)
	if err != nil {
		return "", err
	}
	if ev.ExpirationDate != nil && !now.Before(*ev.ExpirationDate) {
		return Expired, nil
	}
	return class, nil
}
