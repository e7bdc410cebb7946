package main

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// TestMain lets `up` start this test binary as `landscape serve`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := run(os.Args[1:]); err != nil {
			os.Stderr.WriteString("landscape: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	// The tests' clients log nothing worth reading.
	log.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

// testConfig is a landscape in a temporary directory, with the binaries of
// $KUBEBUILDER_ASSETS or the repository's bin/k8s, taken down when the test ends. Outside
// CI it skips the test when they are not built.
func testConfig(t *testing.T) (root string, cfg *config) {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg = &config{
		dir:   filepath.Join(t.TempDir(), "landscape"),
		bin:   filepath.Join(root, "bin", "k8s"),
		delay: time.Second,
	}
	if v := os.Getenv("KUBEBUILDER_ASSETS"); v != "" {
		cfg.bin = v
	}
	if _, err := os.Stat(filepath.Join(cfg.bin, "gardener-apiserver")); err != nil && os.Getenv("CI") == "" {
		t.Skipf("landscape binaries not built (make landscape-bin): %v", err)
	}
	t.Cleanup(func() { _ = down(cfg) })
	return root, cfg
}

// TestUpDown brings a landscape up in the background, checks that Gardener's API answers
// through its kubeconfig and that a second up reuses it, then takes it down and checks
// that no process of it is left and its ports are free.
func TestUpDown(t *testing.T) {
	_, cfg := testConfig(t)
	ctx := context.Background()

	started, err := up(ctx, cfg)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	if !started {
		t.Fatal("up did not start a landscape")
	}
	st, err := readState(cfg.dir)
	if err != nil || st == nil {
		t.Fatalf("state after up: %v, %v", st, err)
	}
	processes, addrs := running(t, cfg, st)

	c := kubeClient(t, st.Kubeconfig)
	// Ready means installed: Gardener's API and the garden's objects answer through the
	// kubeconfig.
	if err := c.Get(ctx, client.ObjectKey{Name: "default"}, &corev1.Namespace{}); err != nil {
		t.Fatalf("get namespace default through the kubeconfig: %v", err)
	}
	profile := &unstructured.Unstructured{}
	profile.SetGroupVersionKind(schema.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "CloudProfile"})
	if err := c.Get(ctx, client.ObjectKey{Name: "local"}, profile); err != nil {
		t.Fatalf("get CloudProfile local through the kubeconfig: %v", err)
	}

	again, err := up(ctx, cfg)
	if err != nil || again {
		t.Fatalf("second up = (started %t, %v), want it to reuse the running landscape", again, err)
	}

	if err := down(cfg); err != nil {
		t.Fatalf("down: %v", err)
	}
	checkGone(t, cfg, processes, addrs)
	if st, _ := readState(cfg.dir); st != nil {
		t.Errorf("state file left after down: %+v", st)
	}
	if err := down(cfg); err != nil {
		t.Errorf("second down: %v", err)
	}
}

// TestDownAfterCrash: when `landscape serve` is killed, its servers outlive it; down
// stops them by their recorded pids and frees their ports.
func TestDownAfterCrash(t *testing.T) {
	_, cfg := testConfig(t)
	if _, err := up(context.Background(), cfg); err != nil {
		t.Fatalf("up: %v", err)
	}
	st, err := readState(cfg.dir)
	if err != nil || st == nil {
		t.Fatalf("state after up: %v, %v", st, err)
	}
	processes, addrs := running(t, cfg, st)
	if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	gomega.NewWithT(t).Eventually(func() bool { return alive(st.PID, os.Args[0]) }).
		WithTimeout(30*time.Second).WithPolling(10*time.Millisecond).Should(gomega.BeFalse(), "the killed landscape exits")
	if err := down(cfg); err != nil {
		t.Fatalf("down: %v", err)
	}
	checkGone(t, cfg, processes, addrs)
}

// running returns the landscape's pids (serve, etcd, kube-apiserver, gardener-apiserver)
// and its servers' addresses (kube-apiserver, etcd, gardener-apiserver, Git).
func running(t *testing.T, cfg *config, st *state) (pids []int, addrs []string) {
	t.Helper()
	pids = append(readPIDs(pidPath(cfg.dir)), readPIDs(childrenPath(cfg.dir))...)
	if len(pids) != 4 {
		t.Fatalf("landscape, etcd, kube-apiserver and gardener-apiserver pids = %v, want 4", pids)
	}
	for _, u := range []string{st.APIServer, st.Etcd, st.GardenerAPIServer, st.GitURL} {
		parsed, err := url.Parse(u)
		if err != nil || parsed.Host == "" {
			t.Fatalf("state URL %q: %v", u, err)
		}
		addrs = append(addrs, parsed.Host)
	}
	return pids, addrs
}

// checkGone fails t when one of pids still runs one of the landscape's programs or one
// of addrs cannot be listened on.
func checkGone(t *testing.T, cfg *config, pids []int, addrs []string) {
	t.Helper()
	for _, pid := range pids {
		if alive(pid, os.Args[0], filepath.Join(cfg.bin, "etcd"), filepath.Join(cfg.bin, "kube-apiserver"), filepath.Join(cfg.bin, "gardener-apiserver")) {
			t.Errorf("pid %d still runs after down", pid)
		}
	}
	for _, addr := range addrs {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("port %s not free after down: %v", addr, err)
			continue
		}
		_ = l.Close()
	}
}

// kubeClient is a client through the landscape's kubeconfig.
func kubeClient(t *testing.T, kubeconfig string) client.Client {
	t.Helper()
	restCfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(restCfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
