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
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
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

// TestContainerlabSchema validates every rendered .clab.yaml against the
// schema containerlab publishes, used as is.
func TestContainerlabSchema(t *testing.T) {
	const schemaFile = "testdata/containerlab-clab.schema.json"
	// The copy here must stay the upstream file from shared/ unchanged.
	if shared, err := os.ReadFile("../../shared/reference/upstream/containerlab-clab.schema.json"); err == nil {
		mine, err := os.ReadFile(schemaFile)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(shared, mine) {
			t.Fatalf("%s differs from shared/reference/upstream: copy it again, unedited", schemaFile)
		}
	}
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	res := renderExample(t)
	if len(res.Files) == 0 {
		t.Fatal("example renders no lab files")
	}
	for name, content := range res.Files {
		var doc any
		if err := yaml.Unmarshal(content, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("%s does not validate against containerlab's schema: %v", name, err)
		}
	}
	// The check must be able to fail: a node with an unknown field is refused.
	var bad any
	if err := yaml.Unmarshal([]byte("name: x\ntopology:\n  nodes:\n    a:\n      kind: linux\n      no-such-field: 1\n"), &bad); err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(bad); err == nil {
		t.Error("schema accepted a node with an unknown field; the validation is not effective")
	}
}

func TestTopologyCarriesContainerlabFile(t *testing.T) {
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
