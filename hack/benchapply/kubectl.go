package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/render"
)

// writeObjects writes one YAML file per object into dir, named as
// `gardenfleet render --out` names them.
func writeObjects(dir string, objs []*unstructured.Unstructured) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write objects: %w", err)
	}
	for _, o := range objs {
		var b bytes.Buffer
		if err := render.EncodeYAML(&b, []*unstructured.Unstructured{o}); err != nil {
			return fmt.Errorf("write objects: %s: %w", render.FileName(o), err)
		}
		if err := os.WriteFile(filepath.Join(dir, render.FileName(o)), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write objects: %w", err)
		}
	}
	return nil
}

// writeKubeconfig writes a kubeconfig reaching the API server of cfg with
// its client certificate, for kubectl.
func writeKubeconfig(path string, cfg *rest.Config) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["bench"] = &clientcmdapi.Cluster{
		Server:                   cfg.Host,
		CertificateAuthorityData: cfg.CAData,
	}
	kc.AuthInfos["bench"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: cfg.CertData,
		ClientKeyData:         cfg.KeyData,
		Token:                 cfg.BearerToken,
	}
	kc.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench"}
	kc.CurrentContext = "bench"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

// kubectlRun is the outcome of one `kubectl apply`.
type kubectlRun struct {
	elapsed time.Duration
	// cpu is kubectl's user and system CPU time.
	cpu time.Duration
	// requests counted from kubectl's own log (-v=6 logs every response).
	requests int
	// throttled counts requests kubectl's client-side rate limiter held
	// back more than 50ms (client-go logs those at -v=3).
	throttled int
}

// kubectlApply runs `kubectl apply --server-side --validate=false
// --field-manager gardenfleet -f dir` with a fresh discovery cache in work, as a
// user would on a new machine, and times the whole process. --validate=false,
// as the README says: kubectl's client-side schema check fails against
// Gardener's aggregated APIs; the server validates anyway.
func kubectlApply(ctx context.Context, kubectl, kubeconfig, dir, work string) (kubectlRun, error) {
	cmd := exec.CommandContext(ctx, kubectl, "apply", "--server-side", "--validate=false", "--field-manager", clusters.FieldManager,
		"--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(work, "kubectl-cache"), "-v=6", "-f", dir)
	// HOME too: kubectl must not read or write the caller's ~/.kube.
	cmd.Env = append(os.Environ(), "HOME="+work, "KUBECONFIG="+kubeconfig)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	run := kubectlRun{elapsed: time.Since(start)}
	if cmd.ProcessState != nil {
		run.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	run.requests, run.throttled = countLog(stderr.String())
	if err != nil {
		return run, fmt.Errorf("kubectl apply: %w: %s", err, lastLines(stderr.String(), 5))
	}
	return run, nil
}

// countLog counts the responses in a `kubectl -v=6` log (klog writes one
// `"Response" verb=...` line per request) and the requests client-go's rate
// limiter delayed.
func countLog(log string) (requests, throttled int) {
	for line := range strings.Lines(log) {
		switch {
		case strings.Contains(line, `"Response" verb=`):
			requests++
		case strings.Contains(line, `"Waited before sending request"`):
			throttled++
		}
	}
	return requests, throttled
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
