package dashboard

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clabutil "github.com/srl-labs/clabernetes/util/containerlab"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// topologyGroup and topologyKind identify a lab's clabernetes Topology in a
// Fleet's inventory.
const (
	topologyGroup   = "clabernetes.containerlab.dev"
	topologyKind    = "Topology"
	topologyVersion = "v1alpha1"
)

// Lab is one lab as a graph. Only names, kinds and endpoints are shown: a
// node's startup configuration or environment may hold secrets.
type Lab struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Nodes     []Node `json:"nodes"`
	Links     []Link `json:"links"`
	// Error says why the lab could not be read; the others are still shown.
	Error string `json:"error,omitempty"`
}

// Node is one lab node.
type Node struct {
	Name string `json:"name"`
	Kind string `json:"kind,omitempty"`
}

// Link joins two node interfaces ("node:interface").
type Link struct {
	A string `json:"a"`
	B string `json:"b"`
}

// labRefs lists the Topologies in a Fleet's inventory, sorted.
func labRefs(f *v1alpha1.Fleet) []types.NamespacedName {
	if f.Status.Inventory == nil {
		return nil
	}
	var out []types.NamespacedName
	for _, t := range f.Status.Inventory.Types {
		if t.Group != topologyGroup || t.Kind != topologyKind {
			continue
		}
		for _, ns := range t.Namespaces {
			for _, name := range ns.Names {
				out = append(out, types.NamespacedName{Namespace: ns.Namespace, Name: name})
			}
		}
	}
	// The form of Fleets written before Types.
	for _, e := range f.Status.Inventory.Entries {
		// "<namespace>_<name>_<group>_<kind>": names have no underscore.
		parts := strings.Split(e.ID, "_")
		if len(parts) == 4 && parts[2] == topologyGroup && parts[3] == topologyKind {
			out = append(out, types.NamespacedName{Namespace: parts[0], Name: parts[1]})
		}
	}
	slices.SortFunc(out, func(a, b types.NamespacedName) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// readLab reads one Topology and turns its containerlab definition into a
// graph with clabernetes' own reader of the file.
func readLab(ctx context.Context, r client.Reader, key types.NamespacedName) Lab {
	lab := Lab{Namespace: key.Namespace, Name: key.Name, Nodes: []Node{}, Links: []Link{}}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(topologyGroup + "/" + topologyVersion)
	u.SetKind(topologyKind)
	if err := r.Get(ctx, key, u); err != nil {
		lab.Error = fmt.Sprintf("read Topology %s: %v", key, err)
		return lab
	}
	def, _, err := unstructured.NestedString(u.Object, "spec", "definition", "containerlab")
	if err != nil {
		lab.Error = fmt.Sprintf("Topology %s: spec.definition.containerlab: %v", key, err)
		return lab
	}
	cfg, err := clabutil.LoadContainerlabConfig(def)
	if err != nil {
		lab.Error = fmt.Sprintf("Topology %s: containerlab definition: %v", key, err)
		return lab
	}
	if cfg.Topology == nil {
		return lab
	}
	for name := range cfg.Topology.Nodes {
		kind, _ := cfg.Topology.GetNodeKindType(name)
		lab.Nodes = append(lab.Nodes, Node{Name: name, Kind: kind})
	}
	slices.SortFunc(lab.Nodes, func(a, b Node) int { return strings.Compare(a.Name, b.Name) })
	for _, l := range cfg.Topology.Links {
		if l != nil && len(l.Endpoints) == 2 {
			lab.Links = append(lab.Links, Link{A: l.Endpoints[0], B: l.Endpoints[1]})
		}
	}
	return lab
}
