package render_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
	"github.com/gardenfleet/gardenfleet/schema"
)

var update = flag.Bool("update", os.Getenv("GARDENFLEET_UPDATE") == "1", "rewrite golden files")

const exampleFleet = "../examples/fleet"

func renderExample(t *testing.T) *render.Result {
	t.Helper()
	f, err := fleet.Load(exampleFleet)
	if err != nil {
		t.Fatalf("loading example: %s", fleet.Details(err, exampleFleet))
	}
	res, err := render.Fleet(f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); run with -update if intended:\n%s", path, diff)
	}
}

func TestExampleGolden(t *testing.T) {
	t.Parallel()
	res := renderExample(t)
	var buf bytes.Buffer
	if err := render.EncodeYAML(&buf, res.Objects); err != nil {
		t.Fatal(err)
	}
	golden(t, "example/rendered.yaml", buf.Bytes())
	for name, content := range res.Files {
		golden(t, "example/"+name, content)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	var first []byte
	for i := range 5 {
		var buf bytes.Buffer
		if err := render.EncodeYAML(&buf, renderExample(t).Objects); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = buf.Bytes()
		} else if !bytes.Equal(first, buf.Bytes()) {
			t.Fatalf("render %d differs from the first", i)
		}
	}
}

func TestApplyOrder(t *testing.T) {
	t.Parallel()
	var got []string
	for _, o := range renderExample(t).Objects {
		got = append(got, o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName())
	}
	want := []string{
		"Namespace//labs",
		"Project//apps",
		"Project//platform",
		"Shoot/garden-apps/dev",
		"Shoot/garden-platform/cp-service",
		"Shoot/garden-platform/metal-prod",
		"Topology/labs/mini-lab",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// TestWorkerlessShootHasOnlyAllowedFields checks the rendered workerless
// shoot against the list of what Gardener forbids without workers.
func TestWorkerlessShootHasOnlyAllowedFields(t *testing.T) {
	t.Parallel()
	var shoot *unstructured.Unstructured
	for _, o := range renderExample(t).Objects {
		if o.GetKind() == "Shoot" && o.GetName() == "cp-service" {
			shoot = o
		}
	}
	if shoot == nil {
		t.Fatal("no cp-service shoot rendered")
	}
	forbidden := [][]string{
		{"spec", "provider", "workers"},
		{"spec", "provider", "infrastructureConfig"},
		{"spec", "provider", "controlPlaneConfig"},
		{"spec", "provider", "workersSettings"},
		{"spec", "secretBindingName"},
		{"spec", "credentialsBindingName"},
		{"spec", "networking", "type"},
		{"spec", "networking", "providerConfig"},
		{"spec", "networking", "pods"},
		{"spec", "networking", "nodes"},
		{"spec", "kubernetes", "kubeScheduler"},
		{"spec", "kubernetes", "kubeProxy"},
		{"spec", "kubernetes", "kubelet"},
		{"spec", "kubernetes", "clusterAutoscaler"},
		{"spec", "kubernetes", "verticalPodAutoscaler"},
		{"spec", "addons"},
		{"spec", "systemComponents"},
		{"spec", "maintenance", "autoUpdate", "machineImageVersion"},
	}
	for _, f := range forbidden {
		if _, found, _ := unstructured.NestedFieldNoCopy(shoot.Object, f...); found {
			t.Errorf("workerless shoot sets %s", strings.Join(f, "."))
		}
	}
	if v, _, _ := unstructured.NestedString(shoot.Object, "spec", "networking", "services"); v == "" {
		t.Error("workerless shoot lost networking.services, which Gardener allows")
	}
}

// labCases are labs besides the example's, together using every setting a
// lab has, with strings YAML would read as other types.
var labCases = map[string]string{
	"every node setting": `labs: "every-setting": {
	namespace: "lab-ns"
	prefix: "__lab-name"
	mgmt: {network: "m", bridge: "br-m", "ipv4-subnet": "172.20.20.0/24", "ipv6-subnet": "3fff:172:20:20::/64"}
	defaults: {kind: "linux", env: {YES: "yes", NUM: "1.0", NULL: "null"}}
	kinds: nokia_srlinux: {image: "ghcr.io/nokia/srlinux:24.10", type: "ixr-d2l", "startup-config": "srl.cfg"}
	groups: hosts: {kind: "linux", image: "alpine:3", labels: {role: "host", on: "true"}}
	nodes: {
		spine1: kind: "nokia_srlinux"
		"01": {group: "hosts", cmd: "sleep infinity", exec: ["ip link set eth1 up"], binds: ["a:/a", "b:/b:ro"]}
		h2: {group: "hosts", ports: ["8080:80", "127.0.0.1:2222:22/tcp"], "mgmt-ipv4": "172.20.20.10", "mgmt-ipv6": "3fff:172:20:20::10"}
		h3: {"network-mode": "none"}
	}
	links: [{endpoints: ["spine1:e1-1", "01:eth1"], mtu: 9000}, {endpoints: ["spine1:e1-2", "h2:eth1"]}]
}`,
	"no prefix and only nodes": `labs: l1: {prefix: "", nodes: a: kind: "linux"}`,
	"own prefix":               `labs: "x-9": {prefix: "team", nodes: {a: kind: "bridge", b: kind: "linux"}, links: [{endpoints: ["a:b", "b:eth1"]}]}`,
}

// TestContainerlabSchema validates every rendered .clab.yaml, of the example
// and of labCases, against the schema containerlab publishes (the embedded
// copy, which schema's tests keep equal to upstream), and checks that the
// Topology carrying it has names the API server and clabernetes take.
func TestContainerlabSchema(t *testing.T) {
	t.Parallel()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.ContainerlabSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("clab.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	clab, err := c.Compile("clab.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, res *render.Result) {
		t.Helper()
		if len(res.Files) == 0 {
			t.Fatal("renders no lab files")
		}
		for name, content := range res.Files {
			var doc any
			if err := yaml.Unmarshal(content, &doc); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := clab.Validate(doc); err != nil {
				t.Errorf("%s does not validate against containerlab's schema: %v", name, err)
			}
		}
		for _, o := range res.Objects {
			if o.GetKind() != "Topology" {
				continue
			}
			// Custom resources take DNS subdomains as names; clabernetes
			// also puts the name in its clabernetes/topologyOwner label.
			for _, msg := range append(append(validation.IsDNS1123Subdomain(o.GetName()),
				validation.IsValidLabelValue(o.GetName())...), validation.IsDNS1123Label(o.GetNamespace())...) {
				t.Errorf("Topology %s/%s: %s", o.GetNamespace(), o.GetName(), msg)
			}
		}
	}
	t.Run("example", func(t *testing.T) { check(t, renderExample(t)) })
	for name, src := range labCases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			f, err := fleet.LoadSource(dir, map[string][]byte{"labs.cue": []byte("package fleet\n\n" + src)})
			if err != nil {
				t.Fatalf("loading: %s", fleet.Details(err, dir))
			}
			res, err := render.Fleet(f)
			if err != nil {
				t.Fatal(err)
			}
			check(t, res)
		})
	}
	// The check must be able to fail: a node with an unknown field is refused.
	var bad any
	if err := yaml.Unmarshal([]byte("name: x\ntopology:\n  nodes:\n    a:\n      kind: linux\n      no-such-field: 1\n"), &bad); err != nil {
		t.Fatal(err)
	}
	if err := clab.Validate(bad); err == nil {
		t.Error("schema accepted a node with an unknown field; the validation is not effective")
	}
}

func TestTopologyCarriesContainerlabFile(t *testing.T) {
	t.Parallel()
	res := renderExample(t)
	for _, o := range res.Objects {
		if o.GetKind() != "Topology" {
			continue
		}
		def, _, _ := unstructured.NestedString(o.Object, "spec", "definition", "containerlab")
		if def != string(res.Files[o.GetName()+".clab.yaml"]) {
			t.Errorf("Topology %s does not carry its .clab.yaml", o.GetName())
		}
	}
}
