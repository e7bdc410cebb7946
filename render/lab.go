package render

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// ContainerlabFile renders a lab as a containerlab topology file. The
// loader has checked the lab against containerlab's schema.
func ContainerlabFile(l *fleet.Lab) ([]byte, error) {
	b, err := yaml.Marshal(l.Containerlab())
	if err != nil {
		return nil, fmt.Errorf("encoding containerlab file: %w", err)
	}
	return b, nil
}

// Topology renders a lab as a clabernetes Topology carrying the
// containerlab file.
func Topology(l *fleet.Lab, clab []byte) *unstructured.Unstructured {
	return object(ClabernetesAPIVersion, "Topology", l.Namespace, l.Name, map[string]any{
		"definition": map[string]any{"containerlab": string(clab)},
	})
}
