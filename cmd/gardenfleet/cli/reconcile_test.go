package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/hack/gitserver"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

func TestParseRef(t *testing.T) {
	t.Parallel()
	sha := strings.Repeat("ab", 20)
	tests := []struct {
		in      string
		want    v1alpha1.GitRef
		wantErr string
	}{
		{in: "", want: v1alpha1.GitRef{}},
		{in: "main", want: v1alpha1.GitRef{Branch: "main"}},
		{in: "refs/heads/release-1", want: v1alpha1.GitRef{Branch: "release-1"}},
		{in: "branch:feature/x", want: v1alpha1.GitRef{Branch: "feature/x"}},
		{in: "tag:v1.2.0", want: v1alpha1.GitRef{Tag: "v1.2.0"}},
		{in: "semver:>=1.0.0 <2.0.0", want: v1alpha1.GitRef{SemVer: ">=1.0.0 <2.0.0"}},
		{in: sha, want: v1alpha1.GitRef{Commit: sha}},
		{in: "commit:" + sha, want: v1alpha1.GitRef{Commit: sha}},
		// errors
		{in: "commit:abc", wantErr: `--ref "commit:abc": want a branch, tag:NAME, semver:RANGE or a 40 character commit SHA-1`},
		{in: "tag:", wantErr: `--ref "tag:": want a branch, tag:NAME, semver:RANGE or a 40 character commit SHA-1`},
		{in: "head:main", wantErr: `--ref "head:main": want a branch, tag:NAME, semver:RANGE or a 40 character commit SHA-1`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseRef(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseRef (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDaemonFlags checks the usage errors of reconcile, serve and render
// --dry-run, which need no cluster.
func TestDaemonFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "reconcile without --once", args: []string{"reconcile", "--repo", "https://x/y.git"},
			wantCode: ExitUsage, wantStderr: "error: reconcile runs one pass: pass --once, or run `gardenfleet serve`\n"},
		{name: "reconcile without --repo", args: []string{"reconcile", "--once"},
			wantCode: ExitUsage, wantStderr: "error: --repo is required\n"},
		{name: "reconcile with a bad owner", args: []string{"reconcile", "--once", "--repo", "https://x/y.git", "--owner", "fleet"},
			wantCode: ExitUsage, wantStderr: "error: --owner \"fleet\": want NAMESPACE/NAME\n"},
		{name: "reconcile with a bad percent", args: []string{"reconcile", "--once", "--repo", "https://x/y.git", "--max-shoot-percent", "101"},
			wantCode: ExitUsage, wantStderr: "error: --max-shoot-percent 101: want a percent from 0 to 100\n"},
		{name: "reconcile with a missing directory", args: []string{"reconcile", "--once", "--repo", "does-not-exist"},
			wantCode: ExitUsage, wantStderr: "error: --repo does-not-exist: neither a URL nor a directory: stat "},
		{name: "serve with no concurrency", args: []string{"serve", "--concurrency", "0"},
			wantCode: ExitUsage, wantStderr: "error: --concurrency 0: want at least 1\n"},
		{name: "serve with an unclosed selector", args: []string{"serve", "--fleet-selector", "shard in (a"},
			wantCode: ExitUsage, wantStderr: "error: --fleet-selector: couldn't parse the selector string \"shard in (a\": unable to parse requirement: found '', expected: ',' or ')'\n"},
		{name: "serve with a selector without a key", args: []string{"serve", "--fleet-selector", "=a"},
			wantCode: ExitUsage, wantStderr: "error: --fleet-selector: couldn't parse the selector string \"=a\": found '=', expected: !, identifier, or 'end of string'\n"},
		{name: "render dry run of an unknown kind", args: []string{"render", "--dry-run=cluster", "."},
			wantCode: ExitUsage, wantStderr: "error: unknown --dry-run value \"cluster\": use client or server\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := Run(context.Background(), tt.args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.wantCode, errOut.String())
			}
			if got := errOut.String(); !strings.HasPrefix(got, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to start with %q", got, tt.wantStderr)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a daemon writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds, failing the test with cond's last
// message when timeout passes first.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	gomega.NewWithT(t).Eventually(func(g gomega.Gomega) {
		ok, msg := cond()
		g.Expect(ok).To(gomega.BeTrue(), msg)
	}).WithTimeout(timeout).WithPolling(50*time.Millisecond).Should(gomega.Succeed(), what)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func httpGet(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDaemonCommands runs reconcile --once, render --dry-run=server and
// serve against a garden cluster (envtest with the landscape and the
// simulator) and a Git server.
func TestDaemonCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver")
	}
	ctx := context.Background()
	env, err := testenv.Start(ctx, testenv.Options{
		Simulator: simulator.Options{Delay: 40 * time.Millisecond, Clock: clock.RealClock{}, Resync: time.Second},
	})
	if errors.Is(err, testenv.ErrNoBinaries) && os.Getenv("CI") == "" {
		t.Skipf("envtest not available: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	})
	kubeconfig := writeKubeconfig(t, env)
	installCRD(t, env)
	git := startFleetRepo(ctx, t)

	project := "p" + utilrand.String(6)
	ns := "garden-" + project
	src := t.TempDir()
	writeFleet := func(maximum int) {
		t.Helper()
		fleet := fmt.Sprintf(`package fleet

defaults: {
	cloudProfile: "local"
	region:       "local"
	provider: type: "local"
	credentialsBinding: "creds"
	networking: type: "calico"
	pool: machine: "local"
}
projects: %q: {}
shoots: s: {project: %q, kubernetes: version: "1.36.4", pools: a: maximum: %d}
`, project, project, maximum)
		if err := os.WriteFile(filepath.Join(src, "fleet.cue"), []byte(fleet), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	push := func() string {
		t.Helper()
		commit, err := git.PushDir(ctx, "fleet", src, "test")
		if err != nil {
			t.Fatal(err)
		}
		return "main@sha1:" + commit
	}
	run := func(ctx context.Context, args ...string) (string, string, int) {
		var out, errOut strings.Builder
		code := Run(ctx, args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
		return out.String(), errOut.String(), code
	}

	writeFleet(2)
	rev := push()
	once := []string{"reconcile", "--once", "--repo", git.URL("fleet"), "--kubeconfig", kubeconfig}

	t.Run("reconcile --once applies", func(t *testing.T) {
		// Until the simulator made the project's namespace, the shoot fails.
		var out, stderr string
		waitFor(t, 30*time.Second, "reconcile --once exits 0", func() (bool, string) {
			var code int
			out, stderr, code = run(ctx, once...)
			return code == ExitOK, fmt.Sprintf("exit %d: %s", code, stderr)
		})
		want := fmt.Sprintf("Project/%s created\nShoot/%s/s created\nShoot/%s/s UpToDate: created at its target\n", project, ns, ns)
		if strings.Contains(out, "Project/"+project+" unchanged") {
			// The first runs created the Project before the shoot could go.
			want = strings.Replace(want, "Project/"+project+" created", "Project/"+project+" unchanged", 1)
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("stdout (-want +got):\n%s", diff)
		}
		if wantErr := "applied revision " + rev + "\n"; stderr != wantErr {
			t.Errorf("stderr = %q, want %q", stderr, wantErr)
		}
	})

	t.Run("reconcile --once again changes nothing", func(t *testing.T) {
		waitFor(t, 30*time.Second, "shoot created by the simulator", func() (bool, string) {
			out, stderr, code := run(ctx, once...)
			want := fmt.Sprintf("Project/%s unchanged\nShoot/%s/s unchanged\nShoot/%s/s UpToDate\n", project, ns, ns)
			return code == ExitOK && out == want, fmt.Sprintf("exit %d: %s%s", code, out, stderr)
		})
	})

	t.Run("render --dry-run=server", func(t *testing.T) {
		writeFleet(3)
		out, stderr, code := run(ctx, "render", "--dry-run=server", "--kubeconfig", kubeconfig, src)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		want := fmt.Sprintf("Project/%s unchanged\nShoot/%s/s configured\n", project, ns)
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("stdout (-want +got):\n%s", diff)
		}
		if stderr != "1 configured, 1 unchanged\n" {
			t.Errorf("stderr = %q", stderr)
		}
	})

	t.Run("serve: one replica leads, the other takes over", func(t *testing.T) {
		fleetNS := "gardenfleet-" + utilrand.String(6)
		createNamespace(t, env, fleetNS)
		type replica struct {
			cancel    context.CancelFunc
			done      chan int
			logs      *syncBuffer
			metrics   string
			probes    string
			dashboard string
		}
		startReplica := func() *replica {
			r := &replica{done: make(chan int, 1), logs: &syncBuffer{}, metrics: freeAddr(t), probes: freeAddr(t), dashboard: freeAddr(t)}
			rctx, cancel := context.WithCancel(ctx)
			r.cancel = cancel
			args := []string{"serve", "--kubeconfig", kubeconfig, "--namespace", fleetNS, "--leader-elect",
				"--lease-duration", "2s", "--renew-deadline", "1s", "--retry-period", "100ms",
				"--metrics-bind-address", r.metrics, "--health-probe-bind-address", r.probes, "--dashboard-bind-address", r.dashboard,
				"--cache-dir", t.TempDir(), "--gate-poll-interval", "100ms"}
			go func() {
				r.done <- Run(rctx, args, Streams{In: strings.NewReader(""), Out: io.Discard, Err: r.logs})
			}()
			return r
		}
		stopReplica := func(r *replica) {
			r.cancel()
			select {
			case code := <-r.done:
				if code != ExitOK {
					t.Errorf("serve exited %d:\n%s", code, r.logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Errorf("serve did not stop")
			}
		}
		holder := func() string {
			var lease coordinationv1.Lease
			if err := env.Client.Get(ctx, client.ObjectKey{Namespace: fleetNS, Name: "gardenfleet-leader"}, &lease); err != nil {
				return ""
			}
			if lease.Spec.HolderIdentity == nil {
				return ""
			}
			return *lease.Spec.HolderIdentity
		}

		first := startReplica()
		waitFor(t, 30*time.Second, "the first replica leads", func() (bool, string) { return holder() != "", "no lease holder" })
		leader := holder()
		second := startReplica()
		defer stopReplica(second)

		fleet := &v1alpha1.Fleet{ObjectMeta: metav1.ObjectMeta{Namespace: fleetNS, Name: "fleet"},
			Spec: v1alpha1.FleetSpec{URL: git.URL("fleet"), Interval: &metav1.Duration{Duration: time.Second}}}
		if err := env.Client.Create(ctx, fleet); err != nil {
			t.Fatal(err)
		}
		rev := push()
		readyAt := func(rev string) func() (bool, string) {
			return func() (bool, string) {
				f := &v1alpha1.Fleet{}
				if err := env.Client.Get(ctx, client.ObjectKeyFromObject(fleet), f); err != nil {
					return false, err.Error()
				}
				for _, c := range f.Status.Conditions {
					if c.Type == "Ready" {
						return c.Status == metav1.ConditionTrue && f.Status.LastAppliedRevision == rev, c.Reason + ": " + c.Message
					}
				}
				return false, "no Ready condition"
			}
		}
		waitFor(t, 30*time.Second, "the leader applies the fleet", readyAt(rev))

		for name, addr := range map[string]string{"/healthz": first.probes, "/readyz": first.probes} {
			if code, body := httpGet("http://" + addr + name); code != http.StatusOK {
				t.Errorf("GET %s = %d %s", name, code, body)
			}
		}
		wantMetric := fmt.Sprintf(`gardenfleet_reconcile_duration_seconds_count{name="fleet",namespace=%q}`, fleetNS)
		if code, body := httpGet("http://" + first.metrics + "/metrics"); code != http.StatusOK || !strings.Contains(body, wantMetric) {
			t.Errorf("GET /metrics = %d, want it to contain %s", code, wantMetric)
		}

		// The standby serves the dashboard too, from its own cache.
		wantFleet := fmt.Sprintf(`"namespace":%q,"name":"fleet"`, fleetNS)
		waitFor(t, 30*time.Second, "the standby's dashboard shows the Fleet", func() (bool, string) {
			code, body := httpGet("http://" + second.dashboard + "/api/fleets")
			return code == http.StatusOK && strings.Contains(body, wantFleet) && strings.Contains(body, rev), fmt.Sprintf("%d %s", code, body)
		})

		stopReplica(first)
		waitFor(t, 30*time.Second, "the second replica takes the lease", func() (bool, string) {
			h := holder()
			return h != "" && h != leader, "holder " + h
		})
		writeFleet(4)
		rev = push()
		waitFor(t, 30*time.Second, "the new leader applies the next revision", readyAt(rev))
		if !strings.Contains(second.logs.String(), `"msg":"starting"`) {
			t.Errorf("no structured JSON log from serve:\n%s", second.logs.String())
		}
	})
}

// startFleetRepo starts a Git server on loopback with an empty repository
// "fleet"; it stops with the test.
func startFleetRepo(ctx context.Context, t *testing.T) *gitserver.Server {
	t.Helper()
	git, err := gitserver.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = git.Stop() })
	if err := git.CreateRepo(ctx, "fleet"); err != nil {
		t.Fatal(err)
	}
	return git
}

func writeKubeconfig(t *testing.T, env *testenv.Env) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	kc := clientcmdapi.NewConfig()
	kc.Clusters["garden"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: env.Config.CertData, ClientKeyData: env.Config.KeyData, Token: env.Config.BearerToken}
	kc.Contexts["garden"] = &clientcmdapi.Context{Cluster: "garden", AuthInfo: "admin"}
	kc.CurrentContext = "garden"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// installCRD installs the Fleet CRD as shipped and waits until it is served.
func installCRD(t *testing.T, env *testenv.Env) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "config", "crd", "bases", "gardenfleet.dev_fleets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(b, crd); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := env.Client.Create(ctx, crd); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(env.Scheme); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the Fleet CRD is established", func() (bool, string) {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(crd), crd); err != nil {
			return false, err.Error()
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, ""
			}
		}
		return false, "not established"
	})
}

func createNamespace(t *testing.T, env *testenv.Env, name string) {
	t.Helper()
	ns := &corev1.Namespace{}
	ns.Name = name
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
}
