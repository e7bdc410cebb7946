package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, url, contentType string
		want                           string
	}{
		// discovery and OpenAPI
		{name: "core discovery", method: "GET", url: "/api", want: "discovery"},
		{name: "core version", method: "GET", url: "/api/v1", want: "discovery"},
		{name: "groups", method: "GET", url: "/apis", want: "discovery"},
		{name: "group version", method: "GET", url: "/apis/core.gardener.cloud/v1beta1", want: "discovery"},
		{name: "openapi", method: "GET", url: "/openapi/v3", want: "openapi"},
		{name: "other path", method: "GET", url: "/version", want: "get /version"},
		// resources
		{name: "list namespaced", method: "GET", url: "/apis/core.gardener.cloud/v1beta1/shoots?labelSelector=a%3Db&limit=500", want: "list shoots"},
		{name: "list in a namespace", method: "GET", url: "/apis/core.gardener.cloud/v1beta1/namespaces/garden-p0/shoots", want: "list shoots"},
		{name: "get namespaced", method: "GET", url: "/apis/core.gardener.cloud/v1beta1/namespaces/garden-p0/shoots/s1", want: "get shoots"},
		{name: "get a namespace", method: "GET", url: "/api/v1/namespaces/garden-p0", want: "get namespaces"},
		{name: "get cluster-scoped", method: "GET", url: "/apis/core.gardener.cloud/v1beta1/projects/p0", want: "get projects"},
		{name: "watch", method: "GET", url: "/apis/core.gardener.cloud/v1beta1/shoots?watch=true", want: "watch shoots"},
		{name: "apply yaml", method: "PATCH", url: "/apis/core.gardener.cloud/v1beta1/namespaces/garden-p0/shoots/s1?fieldManager=gardenfleet", contentType: "application/apply-patch+yaml", want: "apply shoots"},
		{name: "apply cbor", method: "PATCH", url: "/apis/core.gardener.cloud/v1beta1/projects/p0", contentType: "application/apply-patch+cbor", want: "apply projects"},
		{name: "apply dry run", method: "PATCH", url: "/apis/core.gardener.cloud/v1beta1/projects/p0?dryRun=All", contentType: "application/apply-patch+yaml", want: "apply projects (dry run)"},
		{name: "merge patch", method: "PATCH", url: "/apis/core.gardener.cloud/v1beta1/projects/p0", contentType: "application/merge-patch+json", want: "patch projects"},
		{name: "create", method: "POST", url: "/api/v1/namespaces", want: "create namespaces"},
		{name: "update", method: "PUT", url: "/api/v1/namespaces/a", want: "update namespaces"},
		{name: "delete", method: "DELETE", url: "/api/v1/namespaces/a", want: "delete namespaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "https://127.0.0.1:6443"+tt.url, nil)
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			if got := describe(r); got != tt.want {
				t.Errorf("describe(%s %s) = %q, want %q", tt.method, tt.url, got, tt.want)
			}
		})
	}
}

func TestRequestCounter(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	counter := &requestCounter{}
	cfg := &rest.Config{Host: srv.URL}
	cfg.Wrap(counter.wrap)
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	do("GET", "/apis/core.gardener.cloud/v1beta1/shoots")
	do("GET", "/apis/core.gardener.cloud/v1beta1/shoots")
	do("GET", "/api")
	got := counter.take()
	if diff := cmp.Diff(requestCounts{"list shoots": 2, "discovery": 1}, got); diff != "" {
		t.Errorf("first take (-want +got):\n%s", diff)
	}
	if got.total() != 3 || got.String() != "1 discovery, 2 list shoots" {
		t.Errorf("total %d, String %q; want 3, %q", got.total(), got.String(), "1 discovery, 2 list shoots")
	}

	do("DELETE", "/api/v1/namespaces/a")
	if diff := cmp.Diff(requestCounts{"delete namespaces": 1}, counter.take()); diff != "" {
		t.Errorf("take after take counts only the new requests (-want +got):\n%s", diff)
	}
	if got := counter.take(); got.total() != 0 || got.String() != "none" {
		t.Errorf("empty take: total %d, String %q; want 0, none", got.total(), got.String())
	}
}

func TestParseStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, stat string
		comm       string
		ppid       int
		ticks      int64
		ok         bool
	}{
		{
			name:  "kube-apiserver",
			stat:  "4242 (kube-apiserver) S 4200 4242 4200 0 -1 4194560 12345 0 0 0 1500 250 0 0 20 0 12 0 9000 1000000 5000 18446744073709551615",
			comm:  "kube-apiserver",
			ppid:  4200,
			ticks: 1750,
			ok:    true,
		},
		{
			// comm may hold spaces and parentheses: fields count from the last ')'.
			name:  "odd comm",
			stat:  "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0",
			comm:  "a) b (c)",
			ppid:  1,
			ticks: 7,
			ok:    true,
		},
		{name: "truncated", stat: "7 (etcd) S 1 7 7 0", ok: false},
		{name: "no comm", stat: "garbage", ok: false},
		{name: "not a number", stat: "7 (etcd) S x 7 7 0 -1 0 0 0 0 0 3 4 0", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			comm, ppid, ticks, ok := parseStat(tt.stat)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && (comm != tt.comm || ppid != tt.ppid || ticks != tt.ticks) {
				t.Errorf("got %q, %d, %d; want %q, %d, %d", comm, ppid, ticks, tt.comm, tt.ppid, tt.ticks)
			}
		})
	}
}

func TestChildrenCPU(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	// A child that burns CPU until killed, so that it is still running when read.
	cmd := exec.Command("sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	gomega.NewWithT(t).Eventually(func(g gomega.Gomega) {
		d, ok := childrenCPU(strings.TrimSpace(string(comm)))
		g.Expect(ok).To(gomega.BeTrue(), "childrenCPU: ok = false with /proc")
		g.Expect(d).To(gomega.BeNumerically(">", 0), "childrenCPU of a busy child")
	}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(gomega.Succeed())
	if d, _ := childrenCPU("no-such-process"); d != 0 {
		t.Errorf("childrenCPU(no-such-process) = %s, want 0", d)
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []clientLimit
		wantErr string
	}{
		{in: "none,50/300", want: []clientLimit{{qps: -1}, {qps: 50, burst: 300}}},
		{in: " 5/10 ", want: []clientLimit{{qps: 5, burst: 10}}},
		{in: "2.5/3", want: []clientLimit{{qps: 2.5, burst: 3}}},
		// errors
		{in: "", wantErr: `"": want none or QPS/BURST`},
		{in: "50", wantErr: `"50": want none or QPS/BURST`},
		{in: "0/10", wantErr: `"0/10": QPS must be a positive number`},
		{in: "x/10", wantErr: `"x/10": QPS must be a positive number`},
		{in: "5/0", wantErr: `"5/0": burst must be a positive integer`},
		{in: "none,5/x", wantErr: `"5/x": burst must be a positive integer`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseLimits(tt.in)
			if gotErr := errString(err); gotErr != tt.wantErr {
				t.Fatalf("error = %q, want %q", gotErr, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(clientLimit{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if got := (clientLimit{qps: -1}).String() + " " + (clientLimit{qps: 2.5, burst: 3}).String(); got != "none 2.5/3" {
		t.Errorf("String = %q, want %q", got, "none 2.5/3")
	}
}

func TestNamespacesOf(t *testing.T) {
	t.Parallel()
	objs := []*unstructured.Unstructured{
		obj("core.gardener.cloud/v1beta1", "Project", "", "p1", map[string]any{"namespace": "garden-p1"}),
		// Gardener's default when spec.namespace is unset.
		obj("core.gardener.cloud/v1beta1", "Project", "", "p0", map[string]any{}),
		obj("core.gardener.cloud/v1beta1", "Shoot", "garden-p1", "a", nil),
		obj("core.gardener.cloud/v1beta1", "Shoot", "garden-p1", "b", nil),
		// Not a project's namespace: no project labels.
		obj("clabernetes.containerlab.dev/v1alpha1", "Topology", "labs", "mini-lab", nil),
	}
	want := []corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: "garden-p0", Labels: map[string]string{"project.gardener.cloud/name": "p0", "gardener.cloud/role": "project"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "garden-p1", Labels: map[string]string{"project.gardener.cloud/name": "p1", "gardener.cloud/role": "project"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "labs"}},
	}
	if diff := cmp.Diff(want, namespacesOf(objs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWriteObjects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	objs := []*unstructured.Unstructured{
		obj("core.gardener.cloud/v1beta1", "Project", "", "p0", map[string]any{"namespace": "garden-p0"}),
		obj("core.gardener.cloud/v1beta1", "Shoot", "garden-p0", "s1", map[string]any{"region": "local", "provider": map[string]any{"type": "metal"}}),
	}
	if err := writeObjects(dir, objs); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// kubectl reads a directory in this order: projects before shoots.
	if diff := cmp.Diff([]string{"project_p0.yaml", "shoot_garden-p0_s1.yaml"}, names); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	for i, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]any{}
		if err := yaml.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(objs[i].Object, got); diff != "" {
			t.Errorf("%s round trip (-want +got):\n%s", name, diff)
		}
	}
}

func TestWriteKubeconfig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	in := &rest.Config{Host: "https://127.0.0.1:6443", TLSClientConfig: rest.TLSClientConfig{
		CAData: []byte("ca"), CertData: []byte("cert"), KeyData: []byte("key"),
	}}
	if err := writeKubeconfig(path, in); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := clientcmd.RESTConfigFromKubeConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Host != in.Host || string(got.CAData) != "ca" || string(got.CertData) != "cert" || string(got.KeyData) != "key" {
		t.Errorf("read back host %q CA %q cert %q key %q", got.Host, got.CAData, got.CertData, got.KeyData)
	}
}

func TestCountLog(t *testing.T) {
	t.Parallel()
	log := strings.Join([]string{
		`I1124 03:42:43.270625   30239 envvar.go:195] "Feature gate default state" feature="ClientsAllowTLSCacheGC" enabled=true`,
		`I1124 03:42:44.529871   30262 round_trippers.go:632] "Response" verb="GET" url="https://127.0.0.1:1/api?timeout=32s" status="200 OK" milliseconds=3`,
		`I1124 03:42:44.629871   30262 request.go:683] "Waited before sending request" delay="191ms" reason="client-side throttling, not priority and fairness" verb="PATCH" URL="https://127.0.0.1:1/apis/x"`,
		`I1124 03:42:44.729871   30262 round_trippers.go:632] "Response" verb="PATCH" url="https://127.0.0.1:1/apis/x" status="201 Created" milliseconds=9`,
		`shoot.core.gardener.cloud/s1 serverside-applied`,
	}, "\n")
	requests, throttled := countLog(log)
	if requests != 2 || throttled != 1 {
		t.Errorf("countLog = %d, %d; want 2, 1", requests, throttled)
	}
}

func TestMedianAndPerObject(t *testing.T) {
	t.Parallel()
	ss := []sample{{wall: 3 * time.Second, requests: 30}, {wall: time.Second, requests: 10}, {wall: 2 * time.Second, requests: 20}}
	if got := median(ss, wall); got != 2*time.Second {
		t.Errorf("median = %s, want 2s", got)
	}
	if got := median(ss[:2], wall); got != 3*time.Second {
		t.Errorf("median of two = %s, want the upper, 3s", got)
	}
	if got := perObject(ss, 10); got != 2 {
		t.Errorf("perObject = %g, want 2", got)
	}
	if got := each(ss, wall); got != "3.00 1.00 2.00" {
		t.Errorf("each = %q", got)
	}
}

func obj(apiVersion, kind, namespace, name string, spec map[string]any) *unstructured.Unstructured {
	meta := map[string]any{"name": name}
	if namespace != "" {
		meta["namespace"] = namespace
	}
	o := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": meta}
	if spec != nil {
		o["spec"] = spec
	}
	return &unstructured.Unstructured{Object: o}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
