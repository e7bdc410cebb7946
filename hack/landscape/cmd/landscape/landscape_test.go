package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
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
	os.Exit(m.Run())
}

// TestUpDown brings a landscape up in the background, checks it answers and that a second
// up reuses it, then takes it down and checks that no process of it is left.
func TestUpDown(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config{
		dir:   filepath.Join(t.TempDir(), "landscape"),
		bin:   filepath.Join(root, "bin", "k8s"),
		delay: time.Second,
	}
	if v := os.Getenv("KUBEBUILDER_ASSETS"); v != "" {
		cfg.bin = v
	}
	ctx := context.Background()
	t.Cleanup(func() { _ = down(cfg) })

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
	processes := append(readPIDs(pidPath(cfg.dir)), readPIDs(childrenPath(cfg.dir))...)
	if len(processes) != 3 {
		t.Fatalf("landscape, etcd and kube-apiserver pids = %v, want 3", processes)
	}

	restCfg, err := clientcmd.BuildConfigFromFlags("", st.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(restCfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Ready means installed: the project controller and the CRDs answer through the kubeconfig.
	if err := c.Get(ctx, client.ObjectKey{Name: "default"}, &corev1.Namespace{}); err != nil {
		t.Fatalf("get namespace default through the kubeconfig: %v", err)
	}

	again, err := up(ctx, cfg)
	if err != nil || again {
		t.Fatalf("second up = (started %t, %v), want it to reuse the running landscape", again, err)
	}

	if err := down(cfg); err != nil {
		t.Fatalf("down: %v", err)
	}
	for _, pid := range processes {
		if alive(pid, os.Args[0], filepath.Join(cfg.bin, "etcd"), filepath.Join(cfg.bin, "kube-apiserver")) {
			t.Errorf("pid %d still runs after down", pid)
		}
	}
	if st, _ := readState(cfg.dir); st != nil {
		t.Errorf("state file left after down: %+v", st)
	}
	if err := down(cfg); err != nil {
		t.Errorf("second down: %v", err)
	}
}
