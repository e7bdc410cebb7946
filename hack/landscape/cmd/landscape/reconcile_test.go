package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/hack/gitserver"
)

// TestReconcileOnceExample: against a fresh landscape, `gardenfleet reconcile --once`
// applies the whole example fleet, read from the landscape's Git server, in one pass and
// exits 0; every object `gardenfleet render` shows is then in the garden. Its projects
// exist only once the pass has made them, so the pass must wait for each to be Ready
// before applying the shoots in its namespace.
func TestReconcileOnceExample(t *testing.T) {
	root, cfg := testConfig(t)
	ctx := context.Background()
	gardenfleet := filepath.Join(t.TempDir(), "gardenfleet")
	build := exec.CommandContext(ctx, "go", "build", "-o", gardenfleet, "./cmd/gardenfleet")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build gardenfleet: %v\n%s", err, out)
	}

	if _, err := up(ctx, cfg); err != nil {
		t.Fatalf("up: %v", err)
	}
	st, err := readState(cfg.dir)
	if err != nil || st == nil {
		t.Fatalf("state after up: %v, %v", st, err)
	}
	fleetDir := filepath.Join(root, "examples", "fleet")
	if _, err := gitserver.Push(ctx, st.GitURL, gitserver.DefaultBranch, fleetDir, "example"); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	reconcile := exec.CommandContext(ctx, gardenfleet, "reconcile", "--once", "--repo", st.GitURL, "--kubeconfig", st.Kubeconfig)
	reconcile.Stdout, reconcile.Stderr = &stdout, &stderr
	if err := reconcile.Run(); err != nil {
		t.Fatalf("reconcile --once: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	t.Logf("reconcile --once:\n%s", &stdout)

	rendered, err := exec.CommandContext(ctx, gardenfleet, "render", fleetDir).Output()
	if err != nil {
		t.Fatalf("render %s: %v", fleetDir, err)
	}
	objs := decodeAll(t, rendered)
	if len(objs) == 0 {
		t.Fatal("the example renders no objects")
	}
	c := kubeClient(t, st.Kubeconfig)
	for _, o := range objs {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(o.GroupVersionKind())
		if err := c.Get(ctx, client.ObjectKeyFromObject(o), got); err != nil {
			t.Errorf("%s %s/%s after one pass: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
}

func decodeAll(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(doc)) == "" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			t.Fatalf("decode %s: %v", doc, err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}
