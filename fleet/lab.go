package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	textmessage "golang.org/x/text/message"

	"github.com/gardenfleet/gardenfleet/schema"
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
	failed := false
	fail := func(p cue.Path, format string, args ...any) {
		failed = true
		b.fail(p, format, args...)
	}
	at := func(sels ...string) cue.Path { return join(self, path(sels...).Selectors()...) }
	clab := containerlab()

	if len(lab.Nodes) == 0 {
		fail(at("nodes"), "lab %q has no nodes", name)
	}
	checkKind := func(p cue.Path, n *LabNode) {
		if n != nil && n.Kind != "" && !clab.kinds[n.Kind] {
			fail(join(p, cue.Str("kind")), "unknown kind %q: not one of containerlab's kinds", n.Kind)
		}
	}
	checkKind(at("defaults"), lab.Defaults)
	for _, k := range sortedKeys(lab.Kinds) {
		switch {
		case !clab.kinds[k] && !clab.kindSettings[k]:
			fail(at("kinds", k), "unknown kind %q: not one of containerlab's kinds", k)
		case !clab.kindSettings[k]:
			fail(at("kinds", k), "containerlab takes no kinds settings for %q: set them on its nodes or a group", k)
		}
		checkKind(at("kinds", k), lab.Kinds[k])
	}
	for _, g := range sortedKeys(lab.Groups) {
		checkKind(at("groups", g), lab.Groups[g])
	}
	for _, node := range sortedKeys(lab.Nodes) {
		n := lab.Nodes[node]
		checkKind(at("nodes", node), n)
		if _, ok := lab.Groups[n.Group]; n.Group != "" && !ok {
			fail(at("nodes", node, "group"), "node %q: unknown group %q; %s", node, n.Group, groupsHint(lab.Groups))
		} else if labNodeKind(&lab, n) == "" {
			fail(at("nodes", node), "node %q has no kind: set kind on the node, its group, or the lab defaults", node)
		}
	}
	if lab.Mgmt != nil {
		if msg := subnetProblem(lab.Mgmt.IPv4Subnet, netip.Addr.Is4, "IPv4", "172.20.20.0/24"); msg != "" {
			fail(at("mgmt", "ipv4-subnet"), "ipv4-subnet %q %s", lab.Mgmt.IPv4Subnet, msg)
		}
		if msg := subnetProblem(lab.Mgmt.IPv6Subnet, netip.Addr.Is6, "IPv6", "3fff:172:20:20::/64"); msg != "" {
			fail(at("mgmt", "ipv6-subnet"), "ipv6-subnet %q %s", lab.Mgmt.IPv6Subnet, msg)
		}
	}
	// A link is named by its CUE path only (links.0 is the first): the
	// issue's path is 0-based, so a 1-based "link 1" beside it would count
	// the same link two ways.
	used := map[string]int{}
	for i, link := range lab.Links {
		linkPath := join(at("links"), cue.Index(i))
		for _, ep := range link.Endpoints {
			node, _, _ := strings.Cut(ep, ":")
			if _, ok := lab.Nodes[node]; !ok {
				fail(linkPath, "endpoint %q: no node %q in lab %q", ep, node, name)
			}
			if prev, ok := used[ep]; ok {
				fail(linkPath, "endpoint %q is already used by links.%d", ep, prev)
			}
			used[ep] = i
		}
	}
	// The checks above say what is wrong in the fleet's terms; containerlab's
	// own schema then catches the rest, so a lab that loads always renders
	// a topology file containerlab takes.
	if !failed {
		b.checkContainerlabSchema(self, &lab)
	}
	return lab, true
}

// groupsHint lists a lab's groups for an error about an unknown one.
func groupsHint(groups map[string]*LabNode) string {
	if len(groups) == 0 {
		return "the lab has no groups"
	}
	return "the lab's groups are " + strings.Join(sortedKeys(groups), ", ")
}

// subnetProblem says what is wrong with a management subnet, or "" if it
// is empty or a network of the family isFamily accepts.
func subnetProblem(s string, isFamily func(netip.Addr) bool, family, example string) string {
	if s == "" {
		return ""
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !isFamily(p.Addr()) {
		return fmt.Sprintf("is not an %s network in CIDR notation such as %s", family, example)
	}
	if p.Masked() != p {
		return fmt.Sprintf("has host bits set: the network is %s", p.Masked())
	}
	return ""
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

// ContainerlabFile is a lab as a containerlab topology file, in
// containerlab's field order.
type ContainerlabFile struct {
	Name     string               `json:"name"`
	Prefix   *string              `json:"prefix,omitempty"`
	Mgmt     *LabMgmt             `json:"mgmt,omitempty"`
	Topology ContainerlabTopology `json:"topology"`
}

// ContainerlabTopology is the topology section of a containerlab file.
type ContainerlabTopology struct {
	Defaults *LabNode            `json:"defaults,omitempty"`
	Kinds    map[string]*LabNode `json:"kinds,omitempty"`
	Groups   map[string]*LabNode `json:"groups,omitempty"`
	Nodes    map[string]*LabNode `json:"nodes"`
	Links    []LabLink           `json:"links,omitempty"`
}

// Containerlab returns the lab's containerlab topology file. Settings keep
// their defaults/kinds/groups structure: containerlab resolves them.
func (l *Lab) Containerlab() ContainerlabFile {
	return ContainerlabFile{
		Name:   l.Name,
		Prefix: l.Prefix,
		Mgmt:   l.Mgmt,
		Topology: ContainerlabTopology{
			Defaults: l.Defaults,
			Kinds:    l.Kinds,
			Groups:   l.Groups,
			Nodes:    l.Nodes,
			Links:    l.Links,
		},
	}
}

// clabSchema is containerlab's schema for topology files and the kinds it lists.
type clabSchema struct {
	schema *jsonschema.Schema
	// kinds a node may have; kindSettings the keys topology.kinds takes.
	kinds, kindSettings map[string]bool
}

// containerlab compiles the embedded schema once. It is part of the binary
// and tested, so a failure is a build defect, not a fleet's.
var containerlab = sync.OnceValue(func() *clabSchema {
	const url = "containerlab-clab.schema.json"
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.ContainerlabSchema))
	if err != nil {
		panic(fmt.Sprintf("embedded containerlab schema: %v", err))
	}
	c := jsonschema.NewCompiler()
	// No loader: every reference is inside the schema, nothing is fetched.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	if err := c.AddResource(url, doc); err != nil {
		panic(fmt.Sprintf("embedded containerlab schema: %v", err))
	}
	compiled, err := c.Compile(url)
	if err != nil {
		panic(fmt.Sprintf("embedded containerlab schema: %v", err))
	}
	var lists struct {
		Definitions struct {
			NodeConfig struct {
				Properties struct {
					Kind struct {
						Enum []string `json:"enum"`
					} `json:"kind"`
				} `json:"properties"`
			} `json:"node-config"`
		} `json:"definitions"`
		Properties struct {
			Topology struct {
				Properties struct {
					Kinds struct {
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"kinds"`
				} `json:"properties"`
			} `json:"topology"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(schema.ContainerlabSchema, &lists); err != nil {
		panic(fmt.Sprintf("embedded containerlab schema: %v", err))
	}
	s := &clabSchema{schema: compiled, kinds: map[string]bool{}, kindSettings: map[string]bool{}}
	for _, k := range lists.Definitions.NodeConfig.Properties.Kind.Enum {
		s.kinds[k] = true
	}
	for k := range lists.Properties.Topology.Properties.Kinds.Properties {
		s.kindSettings[k] = true
	}
	if len(s.kinds) == 0 || len(s.kindSettings) == 0 {
		panic("embedded containerlab schema lists no kinds")
	}
	return s
})

var english = textmessage.NewPrinter(language.English)

// checkContainerlabSchema reports each place where the lab's topology file
// breaks containerlab's schema, at the lab field that holds it.
func (b *builder) checkContainerlabSchema(self cue.Path, lab *Lab) {
	raw, err := json.Marshal(lab.Containerlab())
	if err != nil {
		b.fail(self, "encoding containerlab file: %v", err)
		return
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		b.fail(self, "encoding containerlab file: %v", err)
		return
	}
	err = containerlab().schema.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		if err != nil {
			b.fail(self, "checking against containerlab's schema: %v", err)
		}
		return
	}
	seen := map[string]bool{}
	for _, leaf := range schemaLeaves(ve, nil) {
		p := labFieldPath(self, doc, leaf.InstanceLocation)
		msg := schemaMessage(leaf.ErrorKind)
		if key := p.String() + "\x00" + msg; !seen[key] {
			seen[key] = true
			b.fail(p, "containerlab's schema refuses this: %s", msg)
		}
	}
}

// schemaMessage says what a schema error says, listing at most a few of
// the values an enum allows: node types run to dozens.
func schemaMessage(k jsonschema.ErrorKind) string {
	e, ok := k.(*kind.Enum)
	if !ok || len(e.Want) <= 5 {
		return k.LocalizedString(english)
	}
	want := make([]string, 5)
	for i, w := range e.Want[:5] {
		want[i] = fmt.Sprintf("%v", w)
	}
	return fmt.Sprintf("%s is not a value it allows here (%s and %d more)", english.Sprintf("%q", e.Got), strings.Join(want, ", "), len(e.Want)-5)
}

// schemaLeaves collects the innermost errors. A type mismatch there is a
// branch of oneOf/anyOf that was never meant to match (a node is not
// null), so it is left out unless nothing else explains the error.
func schemaLeaves(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	var leaves []*jsonschema.ValidationError
	for _, c := range e.Causes {
		leaves = schemaLeaves(c, leaves)
	}
	kept := leaves[:0:0]
	for _, l := range leaves {
		if _, isType := l.ErrorKind.(*kind.Type); !isType {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		kept = leaves
	}
	return append(out, kept...)
}

// labFieldPath maps a place in the containerlab file to the lab field it
// comes from: topology.nodes.a is labs.<name>.nodes.a, the name is the lab.
func labFieldPath(self cue.Path, doc any, loc []string) cue.Path {
	sels := self.Selectors()
	for i, seg := range loc {
		switch v := doc.(type) {
		case map[string]any:
			if i == 0 && seg == "name" {
				return self
			}
			if !(i == 0 && seg == "topology") {
				sels = append(sels, cue.Str(seg))
			}
			doc = v[seg]
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(v) {
				return cue.MakePath(sels...)
			}
			sels = append(sels, cue.Index(n))
			doc = v[n]
		default:
			return cue.MakePath(sels...)
		}
	}
	return cue.MakePath(sels...)
}
