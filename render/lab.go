package render

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// clabFile is a containerlab topology file, in containerlab's field order.
type clabFile struct {
	Name     string         `json:"name"`
	Prefix   *string        `json:"prefix,omitempty"`
	Mgmt     *fleet.LabMgmt `json:"mgmt,omitempty"`
	Topology clabTopology   `json:"topology"`
}

type clabTopology struct {
	Defaults *fleet.LabNode            `json:"defaults,omitempty"`
	Kinds    map[string]*fleet.LabNode `json:"kinds,omitempty"`
	Groups   map[string]*fleet.LabNode `json:"groups,omitempty"`
	Nodes    map[string]*fleet.LabNode `json:"nodes"`
	Links    []fleet.LabLink           `json:"links,omitempty"`
}

// ContainerlabFile renders a lab as a containerlab topology file. Settings
// keep their defaults/kinds/groups structure: containerlab resolves them.
func ContainerlabFile(l *fleet.Lab) ([]byte, error) {
	b, err := yaml.Marshal(clabFile{
		Name:   l.Name,
		Prefix: l.Prefix,
		Mgmt:   l.Mgmt,
		Topology: clabTopology{
			Defaults: l.Defaults,
			Kinds:    l.Kinds,
			Groups:   l.Groups,
			Nodes:    l.Nodes,
			Links:    l.Links,
		},
	})
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
