package preview

import (
	"fmt"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// DecodeCloudProfile reads a CloudProfile or NamespacedCloudProfile (YAML
// or JSON) and returns its CatalogKey and its versions, classified as of now.
func DecodeCloudProfile(data []byte, now time.Time) (string, *planner.Catalog, error) {
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return "", nil, fmt.Errorf("decode cloud profile: %w", err)
	}
	versions, err := planner.DecodeCloudProfile(data, now)
	if err != nil {
		return "", nil, err
	}
	if head.Metadata.Name == "" {
		return "", nil, fmt.Errorf("decode cloud profile: metadata.name is empty")
	}
	cat, err := planner.NewCatalog(versions)
	if err != nil {
		return "", nil, fmt.Errorf("cloud profile %s: %w", head.Metadata.Name, err)
	}
	return CatalogKey(head.Kind, head.Metadata.Namespace, head.Metadata.Name), cat, nil
}
