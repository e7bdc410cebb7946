package fleet

import (
	"strings"

	"cuelang.org/go/cue"
)

// Lab is a containerlab topology. Its fields keep containerlab's names so
// that rendering is a plain translation.
type Lab struct {
	Name      string              `json:"-"`
	Namespace string              `json:"namespace,omitempty"`
	Prefix    *string             `json:"prefix,omitempty"`
	Mgmt      *LabMgmt            `json:"mgmt,omitempty"`
	Defaults  *LabNode            `json:"defaults,omitempty"`
	Kinds     map[string]*LabNode `json:"kinds,omitempty"`
	Groups    map[string]*LabNode `json:"groups,omitempty"`
	Nodes     map[string]*LabNode `json:"nodes"`
	Links     []LabLink           `json:"links,omitempty"`
}

// DefaultLabNamespace is where a lab's clabernetes Topology lives unless it names one.
const DefaultLabNamespace = "labs"

// LabMgmt is a lab's management network.
type LabMgmt struct {
	Network    string `json:"network,omitempty"`
	IPv4Subnet string `json:"ipv4-subnet,omitempty"`
	IPv6Subnet string `json:"ipv6-subnet,omitempty"`
	Bridge     string `json:"bridge,omitempty"`
}

// LabNode is a node, or the settings of a group, kind or the defaults.
type LabNode struct {
	Kind          string            `json:"kind,omitempty"`
	Image         string            `json:"image,omitempty"`
	Group         string            `json:"group,omitempty"`
	Type          string            `json:"type,omitempty"`
	Env           map[string]string `json:"env,omitempty"`
	Binds         []string          `json:"binds,omitempty"`
	Exec          []string          `json:"exec,omitempty"`
	Ports         []string          `json:"ports,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	Cmd           string            `json:"cmd,omitempty"`
	StartupConfig string            `json:"startup-config,omitempty"`
	NetworkMode   string            `json:"network-mode,omitempty"`
	MgmtIPv4      string            `json:"mgmt-ipv4,omitempty"`
	MgmtIPv6      string            `json:"mgmt-ipv6,omitempty"`
}

// LabLink connects two node:interface endpoints.
type LabLink struct {
	Endpoints []string `json:"endpoints"`
	MTU       int      `json:"mtu,omitempty"`
}

func (b *builder) lab(name string) (Lab, bool) {
	self := path("labs", name)
	lab := Lab{Name: name}
	if !b.decode(self, b.doc.Labs[name], &lab) {
		return Lab{}, false
	}
	if lab.Namespace == "" {
		lab.Namespace = DefaultLabNamespace
	}
	if len(lab.Nodes) == 0 {
		b.fail(join(self, cue.Str("nodes")), "lab %q has no nodes", name)
	}
	for _, node := range sortedKeys(lab.Nodes) {
		if labNodeKind(&lab, lab.Nodes[node]) == "" {
			b.fail(join(self, cue.Str("nodes"), cue.Str(node)), "node %q has no kind: set kind on the node, its group, or the lab defaults", node)
		}
	}
	used := map[string]int{}
	for i, link := range lab.Links {
		linkPath := join(self, cue.Str("links"), cue.Index(i))
		for _, ep := range link.Endpoints {
			node, _, _ := strings.Cut(ep, ":")
			if _, ok := lab.Nodes[node]; !ok {
				b.fail(linkPath, "link %d endpoint %q: no node %q in lab %q", i+1, ep, node, name)
			}
			if prev, ok := used[ep]; ok {
				b.fail(linkPath, "endpoint %q is used by links %d and %d", ep, prev, i+1)
			}
			used[ep] = i + 1
		}
	}
	return lab, true
}

// labNodeKind resolves a node's kind as containerlab does: node, group,
// then defaults.
func labNodeKind(lab *Lab, n *LabNode) string {
	if n.Kind != "" {
		return n.Kind
	}
	if g, ok := lab.Groups[n.Group]; ok && n.Group != "" && g.Kind != "" {
		return g.Kind
	}
	if lab.Defaults != nil {
		return lab.Defaults.Kind
	}
	return ""
}
