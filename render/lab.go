package render

import (
	"fmt"

	clabernetesv1alpha1 "github.com/srl-labs/clabernetes/apis/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// namingGlobal is clabernetes' Topology naming mode that defers to its
// global config.
const namingGlobal = "global"

// Topology renders a lab as a clabernetes Topology carrying the
// containerlab file. Only the definition and the naming are sent: the rest
// of the spec (expose, deployment, ...) is plain structs upstream, all zero
// here, and clabernetes' CRD defaults them. naming is required by the CRD
// and immutable, so the fleet owns it: "global", the CRD's default, defers
// to clabernetes' global config (which names resources prefixed).
func Topology(l *fleet.Lab, clab []byte) (*unstructured.Unstructured, error) {
	t := &clabernetesv1alpha1.Topology{
		TypeMeta:   metav1.TypeMeta{APIVersion: ClabernetesAPIVersion, Kind: "Topology"},
		ObjectMeta: metav1.ObjectMeta{Namespace: l.Namespace, Name: l.Name},
		Spec: clabernetesv1alpha1.TopologySpec{
			Definition: clabernetesv1alpha1.Definition{Containerlab: string(clab)},
			Naming:     namingGlobal,
		},
	}
	obj, err := toUnstructured(t)
	if err != nil {
		return nil, err
	}
	spec := obj.Object["spec"].(map[string]any)
	obj.Object["spec"] = map[string]any{"definition": spec["definition"], "naming": spec["naming"]}
	return obj, nil
}
