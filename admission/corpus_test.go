package admission

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// corpus is testdata/corpus.yaml, shared with hack/agreement, which holds the real
// gardener-apiserver to the same verdicts.
type corpus struct {
	// Project is the project of the shoots' namespace.
	Project map[string]any `json:"project"`
	Cases   []struct {
		Name   string         `json:"name"`
		Gates  string         `json:"gates"`
		Object map[string]any `json:"object"`
		Want   []string       `json:"want"`
	} `json:"cases"`
}

func readCorpus(t *testing.T) corpus {
	t.Helper()
	data, err := os.ReadFile("testdata/corpus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		t.Fatalf("testdata/corpus.yaml: %v", err)
	}
	return c
}

// workerless, withWorkers and project are the corpus's valid objects, fresh for each call.
func workerless(t *testing.T) *unstructured.Unstructured {
	return corpusObject(t, "valid workerless shoot")
}

func withWorkers(t *testing.T) *unstructured.Unstructured {
	return corpusObject(t, "valid shoot with workers")
}

func project(t *testing.T) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: readCorpus(t).Project}
}

func corpusObject(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	for _, c := range readCorpus(t).Cases {
		if c.Name == name {
			return &unstructured.Unstructured{Object: c.Object}
		}
	}
	t.Fatalf("testdata/corpus.yaml has no case %q", name)
	return nil
}

func garden(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile("testdata/garden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode("testdata/garden.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func set(t *testing.T, o *unstructured.Unstructured, value any, path ...string) *unstructured.Unstructured {
	t.Helper()
	if err := unstructured.SetNestedField(o.Object, value, path...); err != nil {
		t.Fatal(err)
	}
	return o
}

func messages(res *Result) []string {
	var out []string
	for _, r := range res.Refusals {
		for _, v := range r.Violations {
			out = append(out, r.Kind+" "+r.Name+": "+v.Message)
		}
	}
	return out
}

// TestCorpus holds each refusal of the issue to Gardener's own message.
func TestCorpus(t *testing.T) {
	c := readCorpus(t)
	for _, tt := range c.Cases {
		t.Run(tt.Name, func(t *testing.T) {
			j, err := New(tt.Gates)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.AddGarden(garden(t)...); err != nil {
				t.Fatal(err)
			}
			obj := &unstructured.Unstructured{Object: tt.Object}
			objs := []*unstructured.Unstructured{obj}
			if obj.GetKind() != "Project" {
				objs = append(objs, &unstructured.Unstructured{Object: c.Project})
			}
			res, err := j.Admit(context.Background(), objs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.Want, messages(res), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("refusals (-want +got):\n%s", diff)
				t.Logf("got:\n%s", strings.Join(messages(res), "\n"))
			}
		})
	}
}
