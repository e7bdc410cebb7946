package testenv

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// GardenerGroupVersions are the API group versions gardener-apiserver v1.150 serves
// (its pkg/apiserver.AllGardenerAPIGroupVersions); Start registers an APIService for each.
var GardenerGroupVersions = []schema.GroupVersion{
	{Group: "core.gardener.cloud", Version: "v1"},
	{Group: "core.gardener.cloud", Version: "v1beta1"},
	{Group: "seedmanagement.gardener.cloud", Version: "v1alpha1"},
	{Group: "operations.gardener.cloud", Version: "v1alpha1"},
	{Group: "security.gardener.cloud", Version: "v1alpha1"},
}

// gardenerAPIServerEnv names the gardener-apiserver binary, as in Gardener's own test/envtest.
const gardenerAPIServerEnv = "TEST_ASSET_GARDENER_APISERVER"

// apiServiceGVK is the kind of the aggregation layer's registrations; used unstructured so
// the module needs no k8s.io/kube-aggregator.
var apiServiceGVK = schema.GroupVersionKind{Group: "apiregistration.k8s.io", Version: "v1", Kind: "APIService"}

// gardenerAPIServer is a running gardener-apiserver process.
type gardenerAPIServer struct {
	cmd    *exec.Cmd
	exited chan struct{}
	output *tailBuffer
	dir    string
}

// gardenerBinary finds gardener-apiserver: the option, $TEST_ASSET_GARDENER_APISERVER, the
// assets directory, then the repository's bin/k8s (KUBEBUILDER_ASSETS may point at another
// checkout's kube-apiserver).
func gardenerBinary(path, assets string) (string, error) {
	candidates := []string{path}
	if path == "" {
		candidates = []string{os.Getenv(gardenerAPIServerEnv), filepath.Join(assets, "gardener-apiserver")}
		if root, err := RepoRoot(); err == nil {
			candidates = append(candidates, filepath.Join(root, "bin", "k8s", "gardener-apiserver"))
		}
	}
	var looked []string
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
		looked = append(looked, c)
	}
	return "", fmt.Errorf("%w (looked at %s)", ErrNoGardenerAPIServer, strings.Join(looked, ", "))
}

// ErrNoGardenerAPIServer tells that gardener-apiserver is not built yet. It is an
// ErrNoBinaries, so Main and Require skip outside CI as they do without kube-apiserver.
var ErrNoGardenerAPIServer error = noBinaries("gardener-apiserver not found: run `make landscape-bin`")

type noBinaries string

func (e noBinaries) Error() string        { return string(e) }
func (e noBinaries) Is(target error) bool { return target == ErrNoBinaries }

// configureAggregation writes the front-proxy CA and client certificate into dir and turns
// on kube-apiserver's aggregation layer with them, as Gardener's test/envtest does.
func configureAggregation(dir string, args *envtest.Arguments) error {
	ca, err := newCert("front-proxy-ca", nil, 0, nil, nil)
	if err != nil {
		return err
	}
	proxy, err := newCert("front-proxy-client", ca, x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		return err
	}
	if err := writeFiles(dir, map[string][]byte{"proxy-ca.crt": ca.certPEM()}); err != nil {
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

// startGardener starts gardener-apiserver on the control plane's etcd with Gardener's
// default admission plugins, registers its group versions with the aggregation layer and
// returns once each serves discovery and Shoots can be listed. The caller stops it.
func (e *Env) startGardener(ctx context.Context, binary, dir string, out io.Writer) error {
	user, err := e.env.AddUser(envtest.User{Name: "gardener-apiserver", Groups: []string{"system:masters"}}, &rest.Config{QPS: 1000, Burst: 2000})
	if err != nil {
		return fmt.Errorf("add gardener-apiserver user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("gardener-apiserver kubeconfig: %w", err)
	}
	ca, err := newCert("gardener-apiserver-ca", nil, 0, nil, nil)
	if err != nil {
		return err
	}
	// The aggregation layer dials the Service's name and checks the certificate against it.
	serving, err := newCert("gardener-apiserver", ca, x509.ExtKeyUsageServerAuth,
		[]string{"localhost", "gardener-apiserver.kube-system.svc"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	if err := writeCert(dir, "gardener-tls", serving); err != nil {
		return err
	}
	if err := writeFiles(dir, map[string][]byte{"gardener-kubeconfig.yaml": kubeconfig}); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}

	// No --enable-admission-plugins: gardener-apiserver's defaults are Gardener's defaults.
	args := []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--etcd-servers=" + e.env.ControlPlane.Etcd.URL.String(),
		"--tls-cert-file=" + filepath.Join(dir, "gardener-tls.crt"),
		"--tls-private-key-file=" + filepath.Join(dir, "gardener-tls.key"),
		"--cluster-identity=gardenfleet-testenv",
		"--authorization-always-allow-paths=/healthz",
		"--authentication-kubeconfig=" + filepath.Join(dir, "gardener-kubeconfig.yaml"),
		"--authorization-kubeconfig=" + filepath.Join(dir, "gardener-kubeconfig.yaml"),
		"--kubeconfig=" + filepath.Join(dir, "gardener-kubeconfig.yaml"),
	}
	g := &gardenerAPIServer{exited: make(chan struct{}), output: &tailBuffer{max: 8 << 10}, dir: dir}
	g.cmd = exec.Command(binary, args...) // #nosec G204 -- the test's own binary.
	var w io.Writer = g.output
	if out != nil {
		w = io.MultiWriter(g.output, out)
	}
	g.cmd.Stdout, g.cmd.Stderr = w, w
	if err := g.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", binary, err)
	}
	go func() { _ = g.cmd.Wait(); close(g.exited) }()
	e.gardener = g

	url := "https://127.0.0.1:" + strconv.Itoa(port)
	if err := g.waitHealthy(ctx, url+"/healthz", ca.cert); err != nil {
		return err
	}
	if err := e.registerGardener(ctx, port, ca.certPEM()); err != nil {
		return fmt.Errorf("register gardener-apiserver: %w (its output ends: %s)", err, g.output)
	}
	return nil
}

// waitHealthy polls /healthz until it answers 200, the process exits or ctx ends.
func (g *gardenerAPIServer) waitHealthy(ctx context.Context, url string, ca *x509.Certificate) error {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	defer hc.CloseIdleConnections()
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		select {
		case <-g.exited:
			return false, fmt.Errorf("gardener-apiserver exited (%v); its output ends: %s", g.cmd.ProcessState, g.output)
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
		return fmt.Errorf("gardener-apiserver not healthy: %w (last: %v); its output ends: %s", err, last, g.output) //nolint:errorlint // the last attempt's error may be nil: context, not the cause
	}
	return err
}

// registerGardener creates the ExternalName Service and an APIService per group version,
// then waits until each is Available, discoverable with resources, and Shoots list.
func (e *Env) registerGardener(ctx context.Context, port int, caBundle []byte) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "gardener-apiserver", Namespace: metav1.NamespaceSystem},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}
	if err := e.Client.Create(ctx, svc); err != nil {
		return fmt.Errorf("create service: %w", err)
	}
	for _, gv := range GardenerGroupVersions {
		as := &unstructured.Unstructured{}
		as.SetGroupVersionKind(apiServiceGVK)
		as.SetName(gv.Version + "." + gv.Group)
		as.Object["spec"] = map[string]any{
			"group":                gv.Group,
			"version":              gv.Version,
			"groupPriorityMinimum": int64(100),
			"versionPriority":      int64(100),
			"caBundle":             caBundle,
			"service":              map[string]any{"name": svc.Name, "namespace": svc.Namespace, "port": int64(port)},
		}
		if err := e.Client.Create(ctx, as); err != nil {
			return fmt.Errorf("create APIService %s: %w", as.GetName(), err)
		}
	}
	dc, err := discovery.NewDiscoveryClientForConfig(e.Config)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	var last error
	err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if last = e.gardenerReady(ctx, dc); last != nil {
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("%w (last: %v)", err, last) //nolint:errorlint // the last attempt's error may be nil: context, not the cause
	}
	return nil
}

// gardenerReady tells why the Gardener APIs are not usable yet, or nil.
func (e *Env) gardenerReady(ctx context.Context, dc discovery.DiscoveryInterface) error {
	for _, gv := range GardenerGroupVersions {
		as := &unstructured.Unstructured{}
		as.SetGroupVersionKind(apiServiceGVK)
		if err := e.Client.Get(ctx, client.ObjectKey{Name: gv.Version + "." + gv.Group}, as); err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(as.Object, "status", "conditions")
		available := false
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == "Available" && m["status"] == "True" {
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
	return e.Client.List(ctx, shoots, client.Limit(1))
}

// stop terminates gardener-apiserver (SIGTERM, then SIGKILL after timeout) and waits for it.
func (g *gardenerAPIServer) stop(timeout time.Duration) error {
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
		return nil
	case <-time.After(timeout):
	}
	_ = g.cmd.Process.Kill()
	<-g.exited
	return fmt.Errorf("gardener-apiserver did not stop within %s after SIGTERM: killed", timeout)
}

// PID is the process id of gardener-apiserver, or 0 without it.
func (e *Env) gardenerPID() int {
	if e.gardener == nil {
		return 0
	}
	return e.gardener.cmd.Process.Pid
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

func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// keyPair is a certificate and its key.
type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// newCert returns a CA when ca is nil, else a certificate ca signs for usage. Valid for a
// day: long enough for any test run.
func newCert(cn string, ca *keyPair, usage x509.ExtKeyUsage, dns []string, ips []net.IP) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", cn, err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, fmt.Errorf("%s serial number: %w", cn, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	parent, parentKey := tmpl, key
	if ca == nil {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.BasicConstraintsValid, tmpl.IsCA = true, true
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{usage}
		parent, parentKey = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("create %s certificate: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse %s certificate: %w", cn, err)
	}
	return &keyPair{cert: cert, key: key}, nil
}

func (k *keyPair) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.cert.Raw})
}

func (k *keyPair) keyPEM() ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(k.key)
	if err != nil {
		return nil, fmt.Errorf("encode key of %s: %w", k.cert.Subject.CommonName, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

// writeCert writes k's certificate and key as name.crt and name.key into dir.
func writeCert(dir, name string, k *keyPair) error {
	key, err := k.keyPEM()
	if err != nil {
		return err
	}
	return writeFiles(dir, map[string][]byte{name + ".crt": k.certPEM(), name + ".key": key})
}
