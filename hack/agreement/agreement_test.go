package agreement

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/admission"
	"github.com/gardenfleet/gardenfleet/hack/landscape"
	"github.com/gardenfleet/gardenfleet/hack/metalwebhook"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

var env *testenv.Env

// Gardener's admission alone judges: nothing plays gardenlet.
func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, testenv.Options{WithoutSimulator: true}))
}

// corpus is admission/testdata/corpus.yaml.
type corpus struct {
	Project map[string]any `json:"project"`
	Cases   []struct {
		Name   string         `json:"name"`
		Gates  string         `json:"gates"`
		Object map[string]any `json:"object"`
		Want   []string       `json:"want"`
	} `json:"cases"`
}

// profilePrefix names the corpus's CloudProfiles in the test garden, beside the
// landscape's own `metal` and `local`: the corpus's `local` is `corpus-local` there, and
// the shoots sent to the server name that instead.
const profilePrefix = "corpus-"

// knownDifferences are the cases where the server's verdict differs from the offline one,
// by case name: the server's messages, each "Kind name: message", and why.
var knownDifferences = map[string]struct {
	server []string
	reason string
}{
	"in-place updates without the feature gate": {
		server: []string{`Shoot web: spec.provider.workers[0].machine.image: Invalid value: {"Name":"local","ProviderConfig":null,"Version":"1.0.0"}: machine image version 'local:1.0.0' does not support in-place updates, supported machine image versions are: []`},
		reason: "the case judges with Gardener's default feature gates offline; the test garden's gardener-apiserver runs with InPlaceNodeUpdates=true, which the reconciler's in-place gate test needs",
	},
}

// TestAgreement: each case of the corpus gets the same refusals (or none) from the
// offline Judge and from a server-side dry-run create on gardener-apiserver.
func TestAgreement(t *testing.T) {
	e := testenv.Require(t, env)
	ctx := context.Background()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	c := readCorpus(t, filepath.Join(root, "admission", "testdata", "corpus.yaml"))
	garden := readObjects(t, filepath.Join(root, "admission", "testdata", "garden.yaml"))

	// The server's garden: the corpus's CloudProfiles and a project whose namespace holds
	// CredentialsBindings by the names the corpus's shoots use.
	for _, o := range garden {
		o = o.DeepCopy()
		if o.GetKind() != "CloudProfile" {
			continue
		}
		o.SetName(profilePrefix + o.GetName())
		if err := e.Client.Create(ctx, o); err != nil {
			t.Fatalf("create CloudProfile %s: %v", o.GetName(), err)
		}
	}
	ns := e.NewNamespace(t)
	creds, err := landscape.Credentials(ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range creds {
		if o.GetKind() == "CredentialsBinding" && o.GetName() == "creds" {
			o.SetName("local")
			if err := e.Client.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := landscape.WaitAdmission(ctx, e.Client, ns); err != nil {
		t.Fatal(err)
	}

	for _, tt := range c.Cases {
		t.Run(tt.Name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: tt.Object}
			offline := judge(t, tt.Gates, garden, obj, &unstructured.Unstructured{Object: c.Project})
			if diff := cmp.Diff(tt.Want, offline, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("offline refusals differ from the corpus (-want +got):\n%s", diff)
			}
			server := dryRun(ctx, t, e.Client, obj.DeepCopy(), ns)
			want := offline
			known, isKnown := knownDifferences[tt.Name]
			if isKnown {
				want = known.server
			}
			if diff := cmp.Diff(want, server, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("server refusals (-want +got):\n%s\noffline: %q", diff, offline)
			}
			if isKnown {
				t.Logf("known difference: offline %q, server %q: %s", offline, server, known.reason)
			}
		})
	}
}

// judge returns the offline Judge's refusals of obj, each "Kind name: message".
func judge(t *testing.T, gates string, garden []*unstructured.Unstructured, obj, project *unstructured.Unstructured) []string {
	t.Helper()
	j, err := admission.New(gates)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AddGarden(garden...); err != nil {
		t.Fatal(err)
	}
	objs := []*unstructured.Unstructured{obj.DeepCopy()}
	if obj.GetKind() != "Project" {
		objs = append(objs, project.DeepCopy())
	}
	res, err := j.Admit(context.Background(), objs)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Refusals {
		for _, v := range r.Violations {
			out = append(out, r.Kind+" "+r.Name+": "+v.Message)
		}
	}
	return out
}

// dryRun creates obj on the server as a dry run, shoots in namespace ns with the corpus's
// CloudProfiles, and returns the refusals as judge does.
func dryRun(ctx context.Context, t *testing.T, c client.Client, obj *unstructured.Unstructured, ns string) []string {
	t.Helper()
	if obj.GetKind() == "Shoot" {
		obj.SetNamespace(ns)
		profile, _, _ := unstructured.NestedString(obj.Object, "spec", "cloudProfile", "name")
		if err := unstructured.SetNestedField(obj.Object, profilePrefix+profile, "spec", "cloudProfile", "name"); err != nil {
			t.Fatal(err)
		}
	}
	err := c.Create(ctx, obj, client.DryRunAll)
	if err == nil {
		return nil
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		t.Fatalf("dry run of %s %s: %v", obj.GetKind(), obj.GetName(), err)
	}
	prefix := obj.GetKind() + " " + obj.GetName() + ": "
	st := status.Status()
	if apierrors.IsInvalid(err) && st.Details != nil && len(st.Details.Causes) > 0 {
		var out []string
		for _, cause := range st.Details.Causes {
			out = append(out, prefix+cause.Field+": "+cause.Message)
		}
		return out
	}
	// Admission plugins refuse as Forbidden: `<resource> "<name>" is forbidden: <message>`;
	// metal-stack's webhook as `admission webhook "<name>" denied the request: <message>`.
	msg := st.Message
	if _, after, ok := strings.Cut(msg, `"`+obj.GetName()+`" is forbidden: `); ok {
		msg = after
	}
	msg = strings.TrimPrefix(msg, `admission webhook "`+metalwebhook.WebhookName+`" denied the request: `)
	return []string{prefix + msg}
}

func readCorpus(t *testing.T, path string) corpus {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := admission.Decode(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
