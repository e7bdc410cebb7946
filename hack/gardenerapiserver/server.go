package gardenerapiserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// GroupVersions are the API group versions gardener-apiserver v1.150 serves (its
// pkg/apiserver.AllGardenerAPIGroupVersions); Start registers an APIService for each.
var GroupVersions = []schema.GroupVersion{
	{Group: "core.gardener.cloud", Version: "v1"},
	{Group: "core.gardener.cloud", Version: "v1beta1"},
	{Group: "seedmanagement.gardener.cloud", Version: "v1alpha1"},
	{Group: "operations.gardener.cloud", Version: "v1alpha1"},
	{Group: "security.gardener.cloud", Version: "v1alpha1"},
}

// ServiceName is the ExternalName Service in kube-system the APIServices point at.
const ServiceName = "gardener-apiserver"

// fieldManager owns the Service and APIServices, applied again on every start.
const fieldManager = "gardenfleet-gardener-apiserver"

// APIServiceGVK is the kind of the aggregation layer's registrations; used unstructured so
// the module needs no k8s.io/kube-aggregator.
var APIServiceGVK = schema.GroupVersionKind{Group: "apiregistration.k8s.io", Version: "v1", Kind: "APIService"}

// ConfigureAggregation writes the front-proxy CA and client certificate into dir and turns
// on kube-apiserver's aggregation layer with them, as Gardener's test/envtest does. Call it
// on the envtest API server's arguments before the control plane starts.
func ConfigureAggregation(dir string, args *envtest.Arguments) error {
	ca, err := NewCert("front-proxy-ca", nil, 0, nil, nil)
	if err != nil {
		return err
	}
	proxy, err := NewCert("front-proxy-client", ca, x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		return err
	}
	if err := writeFiles(dir, map[string][]byte{"proxy-ca.crt": ca.CertPEM()}); err != nil {
		return err
	}
	if err := writeCert(dir, "proxy-client", proxy); err != nil {
		return err
	}
	args.Set("requestheader-client-ca-file", filepath.Join(dir, "proxy-ca.crt")).
		Set("requestheader-allowed-names", "front-proxy-client").
		Set("requestheader-extra-headers-prefix", "X-Remote-Extra-").
		Set("requestheader-group-headers", "X-Remote-Group").
		Set("requestheader-username-headers", "X-Remote-User").
		Set("proxy-client-cert-file", filepath.Join(dir, "proxy-client.crt")).
		Set("proxy-client-key-file", filepath.Join(dir, "proxy-client.key"))
	return nil
}

// Options configures Start.
type Options struct {
	// Binary is the gardener-apiserver executable.
	Binary string
	// Env is the started control plane whose etcd gardener-apiserver shares.
	Env *envtest.Environment
	// Config reaches kube-apiserver as cluster admin, to register the APIServices.
	Config *rest.Config
	// Dir receives gardener-apiserver's certificates and kubeconfig.
	Dir string
	// ClusterIdentity is gardener-apiserver's --cluster-identity.
	ClusterIdentity string
	// Out, when set, also receives gardener-apiserver's output.
	Out io.Writer
}

// Server is a running gardener-apiserver.
type Server struct {
	cmd    *exec.Cmd
	exited chan struct{}
	output *tailBuffer
	port   int
}

// Start starts gardener-apiserver on the control plane's etcd with Gardener's default
// admission plugins, registers (or re-registers, on a kept etcd) its group versions with
// the aggregation layer, and returns once each serves discovery and Shoots can be listed.
// On error nothing it started is left running; else the caller stops it.
func Start(ctx context.Context, opts Options) (_ *Server, retErr error) {
	user, err := opts.Env.AddUser(envtest.User{Name: "gardener-apiserver", Groups: []string{"system:masters"}}, &rest.Config{QPS: 1000, Burst: 2000})
	if err != nil {
		return nil, fmt.Errorf("add gardener-apiserver user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return nil, fmt.Errorf("gardener-apiserver kubeconfig: %w", err)
	}
	ca, err := NewCert("gardener-apiserver-ca", nil, 0, nil, nil)
	if err != nil {
		return nil, err
	}
	// The aggregation layer dials the Service's name and checks the certificate against it.
	serving, err := NewCert("gardener-apiserver", ca, x509.ExtKeyUsageServerAuth,
		[]string{"localhost", ServiceName + ".kube-system.svc"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	if err := writeCert(opts.Dir, "gardener-tls", serving); err != nil {
		return nil, err
	}
	if err := writeFiles(opts.Dir, map[string][]byte{"gardener-kubeconfig.yaml": kubeconfig}); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}

	kc := filepath.Join(opts.Dir, "gardener-kubeconfig.yaml")
	// No --enable-admission-plugins: gardener-apiserver's defaults are Gardener's defaults.
	args := []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--etcd-servers=" + opts.Env.ControlPlane.Etcd.URL.String(),
		"--tls-cert-file=" + filepath.Join(opts.Dir, "gardener-tls.crt"),
		"--tls-private-key-file=" + filepath.Join(opts.Dir, "gardener-tls.key"),
		"--cluster-identity=" + opts.ClusterIdentity,
		"--authorization-always-allow-paths=/healthz",
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--kubeconfig=" + kc,
		// Worker pools with an in-place update strategy, whose pending updates
		// (status.inPlaceUpdates) the step gate waits for.
		"--feature-gates=InPlaceNodeUpdates=true",
	}
	s := &Server{exited: make(chan struct{}), output: &tailBuffer{max: 8 << 10}, port: port}
	s.cmd = exec.Command(opts.Binary, args...) // #nosec G204 -- the developer's own binary.
	var w io.Writer = s.output
	if opts.Out != nil {
		w = io.MultiWriter(s.output, opts.Out)
	}
	s.cmd.Stdout, s.cmd.Stderr = w, w
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", opts.Binary, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	defer func() {
		if retErr != nil {
			retErr = errors.Join(retErr, s.Stop(time.Minute))
		}
	}()

	if err := s.waitHealthy(ctx, "https://127.0.0.1:"+strconv.Itoa(port)+"/healthz", ca.cert); err != nil {
		return nil, err
	}
	if err := s.register(ctx, opts.Config, ca.CertPEM()); err != nil {
		return nil, fmt.Errorf("register gardener-apiserver: %w (its output ends: %s)", err, s.output)
	}
	return s, nil
}

// PID is the process id of gardener-apiserver.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Port is the port gardener-apiserver serves on, at 127.0.0.1.
func (s *Server) Port() int { return s.port }

// waitHealthy polls /healthz until it answers 200, the process exits or ctx ends.
func (s *Server) waitHealthy(ctx context.Context, url string, ca *x509.Certificate) error {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	defer hc.CloseIdleConnections()
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		select {
		case <-s.exited:
			return false, fmt.Errorf("gardener-apiserver exited (%v); its output ends: %s", s.cmd.ProcessState, s.output)
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		res, err := hc.Do(req)
		if err != nil {
			last = err
			return false, nil
		}
		_ = res.Body.Close()
		last = fmt.Errorf("%s answered %s", url, res.Status)
		return res.StatusCode == http.StatusOK, nil
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("gardener-apiserver not healthy: %w (last: %v); its output ends: %s", err, last, s.output) //nolint:errorlint // the last attempt's error may be nil: context, not the cause
	}
	return err
}

// register applies the ExternalName Service and an APIService per group version (a kept
// etcd still holds the last start's port and CA), then waits until each is Available,
// discoverable with resources, and Shoots list.
func (s *Server) register(ctx context.Context, cfg *rest.Config, caBundle []byte) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	svc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "Service",
		"metadata":   map[string]any{"name": ServiceName, "namespace": "kube-system"},
		"spec":       map[string]any{"type": "ExternalName", "externalName": "localhost"},
	}}
	objs := []*unstructured.Unstructured{svc}
	for _, gv := range GroupVersions {
		as := &unstructured.Unstructured{}
		as.SetGroupVersionKind(APIServiceGVK)
		as.SetName(gv.Version + "." + gv.Group)
		as.Object["spec"] = map[string]any{
			"group":                gv.Group,
			"version":              gv.Version,
			"groupPriorityMinimum": int64(100),
			"versionPriority":      int64(100),
			"caBundle":             caBundle,
			"service":              map[string]any{"name": ServiceName, "namespace": "kube-system", "port": int64(s.port)},
		}
		objs = append(objs, as)
	}
	for _, o := range objs {
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
			return fmt.Errorf("apply %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	var last error
	err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		last = ready(ctx, c, dc)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("%w (last: %v)", err, last) //nolint:errorlint // the last attempt's error may be nil: context, not the cause
	}
	return nil
}

// ready tells why the Gardener APIs are not usable yet, or nil.
func ready(ctx context.Context, c client.Client, dc discovery.DiscoveryInterface) error {
	for _, gv := range GroupVersions {
		as := &unstructured.Unstructured{}
		as.SetGroupVersionKind(APIServiceGVK)
		if err := c.Get(ctx, client.ObjectKey{Name: gv.Version + "." + gv.Group}, as); err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(as.Object, "status", "conditions")
		available := false
		for _, cond := range conds {
			if m, ok := cond.(map[string]any); ok && m["type"] == "Available" && m["status"] == "True" {
				available = true
			}
		}
		if !available {
			return fmt.Errorf("APIService %s not available: %v", as.GetName(), conds)
		}
		res, err := dc.ServerResourcesForGroupVersion(gv.String())
		if err != nil {
			return fmt.Errorf("discovery of %s: %w", gv, err)
		}
		if len(res.APIResources) == 0 {
			return fmt.Errorf("discovery of %s lists no resources", gv)
		}
	}
	// Gardener's envtest saw discovery ready before gardener-apiserver could read etcd.
	shoots := &unstructured.UnstructuredList{}
	shoots.SetGroupVersionKind(schema.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "ShootList"})
	return c.List(ctx, shoots, client.Limit(1))
}

// Stop terminates gardener-apiserver (SIGTERM, then SIGKILL after timeout) and waits for it.
func (s *Server) Stop(timeout time.Duration) error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return nil
	case <-time.After(timeout):
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	return fmt.Errorf("gardener-apiserver did not stop within %s after SIGTERM: killed", timeout)
}

// tailBuffer keeps the last max bytes written: a failing start reports the server's last words.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(bytes.TrimSpace(b.buf))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
