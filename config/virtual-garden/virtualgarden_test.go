package virtualgarden_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/cmd/gardenfleet/cli"
	"github.com/gardenfleet/gardenfleet/config"
	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/hack/gitserver"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

// Two API servers: runtime plays gardener-operator's runtime cluster (where
// pods run), garden its virtual garden (where Shoots live, served by
// gardener-apiserver, with the simulator acting as Gardener).
var runtimeEnv, gardenEnv *testenv.Env

func TestMain(m *testing.M) {
	bounded.Main() // serve evaluates each revision in a child: this binary
	os.Exit(testenv.Main(m, &runtimeEnv, testenv.Options{WithoutSimulator: true}))
}

const (
	namespace = "gardenfleet-system"
	// The daemon's identity in both clusters.
	serviceAccount = "gardenfleet"
	secretName     = "gardenfleet-virtual-garden"
)

var shootGVR = schema.GroupVersionResource{Group: "core.gardener.cloud", Version: "v1beta1", Resource: "shoots"}

// TestVirtualGarden applies runtime/ to one API server and garden/ to
// another, runs the daemon as the runtime Deployment runs it, with the
// virtual garden's kubeconfig from the Secret it mounts (a token of the
// ServiceAccount garden/ binds), and has it reconcile a Fleet in the
// virtual garden.
func TestVirtualGarden(t *testing.T) {
	testenv.Require(t, runtimeEnv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	startGarden(ctx, t)
	runtime, garden := runtimeEnv.Client, gardenEnv.Client
	apply(ctx, t, runtime, "runtime")
	apply(ctx, t, garden, "garden")

	t.Run("the runtime cluster holds no Fleet API and grants nothing", func(t *testing.T) {
		objs, err := config.Build("runtime")
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.GroupVersionKind().Group == rbacv1.GroupName || o.GetKind() == "CustomResourceDefinition" {
				t.Errorf("runtime/ holds %s %s", o.GetKind(), o.GetName())
			}
		}
		for _, ra := range []authorizationv1.ResourceAttributes{
			{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: namespace},
			{Verb: "get", Resource: "secrets", Namespace: namespace},
			{Verb: "list", Group: "core.gardener.cloud", Resource: "shoots"},
		} {
			if allowed(ctx, t, runtime, ra) {
				t.Errorf("the runtime cluster lets the daemon %s %s", ra.Verb, ra.Resource)
			}
		}
	})

	// Least privilege in the virtual garden: what the daemon needs, nothing beyond.
	t.Run("rights in the virtual garden", func(t *testing.T) {
		tests := []struct {
			ra      authorizationv1.ResourceAttributes
			allowed bool
		}{
			{authorizationv1.ResourceAttributes{Verb: "patch", Group: "core.gardener.cloud", Resource: "shoots", Namespace: "garden-a"}, true},
			{authorizationv1.ResourceAttributes{Verb: "create", Group: "core.gardener.cloud", Resource: "projects"}, true},
			{authorizationv1.ResourceAttributes{Verb: "patch", Group: "gardenfleet.dev", Resource: "fleets", Subresource: "status", Namespace: namespace}, true},
			{authorizationv1.ResourceAttributes{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: namespace}, true},
			{authorizationv1.ResourceAttributes{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: "kube-system"}, false},
			{authorizationv1.ResourceAttributes{Verb: "patch", Group: "core.gardener.cloud", Resource: "cloudprofiles"}, false},
			{authorizationv1.ResourceAttributes{Verb: "create", Resource: "namespaces"}, false},
			{authorizationv1.ResourceAttributes{Verb: "patch", Group: "clabernetes.containerlab.dev", Resource: "topologies", Namespace: "labs"}, false},
			{authorizationv1.ResourceAttributes{Verb: "get", Resource: "secrets", Namespace: "garden-a"}, false},
			{authorizationv1.ResourceAttributes{Verb: "create", Group: "core.gardener.cloud", Resource: "shoots", Subresource: "adminkubeconfig", Namespace: "garden-a"}, false},
		}
		for _, tt := range tests {
			if got := allowed(ctx, t, garden, tt.ra); got != tt.allowed {
				t.Errorf("%s %s/%s in %q: allowed = %t, want %t", tt.ra.Verb, tt.ra.Resource, tt.ra.Subresource, tt.ra.Namespace, got, tt.allowed)
			}
		}
	})

	// The Secret the runtime Deployment mounts: a kubeconfig of the virtual
	// garden with a token of the ServiceAccount garden/ binds.
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: secretName},
		Data: map[string][]byte{"kubeconfig": serviceAccountKubeconfig(ctx, t)}}
	if err := runtime.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}

	git := startGit(ctx, t)
	project := "p" + utilrand.String(6)
	fleet := &v1alpha1.Fleet{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "fleet"},
		Spec: v1alpha1.FleetSpec{URL: git.URL("fleet"), Interval: &metav1.Duration{Duration: time.Second}}}
	if err := garden.Create(ctx, fleet); err != nil {
		t.Fatal(err)
	}
	pushFleet(ctx, t, git, project)

	// A file, so a failure can show the logs while the daemon still writes.
	logs, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	stop := serve(ctx, t, logs)
	defer stop()

	g := gomega.NewWithT(t)
	t.Run("the daemon reconciles the Fleet in the virtual garden", func(t *testing.T) {
		shoot := &unstructured.Unstructured{}
		shoot.SetAPIVersion("core.gardener.cloud/v1beta1")
		shoot.SetKind("Shoot")
		g.Eventually(func(g gomega.Gomega) {
			g.Expect(garden.Get(ctx, client.ObjectKey{Namespace: "garden-" + project, Name: "s"}, shoot)).To(gomega.Succeed())
			f := &v1alpha1.Fleet{}
			g.Expect(garden.Get(ctx, client.ObjectKeyFromObject(fleet), f)).To(gomega.Succeed())
			g.Expect(f.Status.LastAppliedRevision).NotTo(gomega.BeEmpty(), "fleet status: %+v", f.Status.Conditions)
		}).WithTimeout(2*time.Minute).WithPolling(100*time.Millisecond).Should(gomega.Succeed(), func() string {
			b, _ := os.ReadFile(logs.Name())
			return "daemon logs:\n" + string(b)
		})
		lease := &coordinationv1.Lease{}
		if err := garden.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "gardenfleet-leader"}, lease); err != nil {
			t.Errorf("no Lease in the virtual garden: %v", err)
		}
	})

	t.Run("nothing of the fleet in the runtime cluster", func(t *testing.T) {
		shoots := &unstructured.UnstructuredList{}
		shoots.SetGroupVersionKind(shootGVR.GroupVersion().WithKind("ShootList"))
		if err := runtime.List(ctx, shoots); err != nil {
			t.Fatal(err)
		}
		if len(shoots.Items) > 0 {
			t.Errorf("%d shoots in the runtime cluster", len(shoots.Items))
		}
		p := &unstructured.Unstructured{}
		p.SetAPIVersion("core.gardener.cloud/v1beta1")
		p.SetKind("Project")
		if err := runtime.Get(ctx, client.ObjectKey{Name: project}, p); !apierrors.IsNotFound(err) {
			t.Errorf("project in the runtime cluster: %v", err)
		}
		if err := runtime.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "gardenfleet-leader"}, &coordinationv1.Lease{}); !apierrors.IsNotFound(err) {
			t.Errorf("Lease in the runtime cluster: %v", err)
		}
		fleets := &unstructured.UnstructuredList{}
		fleets.SetAPIVersion("gardenfleet.dev/v1alpha1")
		fleets.SetKind("FleetList")
		if err := runtime.List(ctx, fleets); err == nil {
			t.Error("the runtime cluster serves Fleets")
		}
	})
}

// startGarden starts the virtual garden, with the simulator.
func startGarden(ctx context.Context, t *testing.T) {
	t.Helper()
	e, err := testenv.Start(ctx, testenv.Options{})
	if err != nil {
		t.Fatalf("start the virtual garden: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Errorf("stop the virtual garden: %v", err)
		}
	})
	if err := v1alpha1.AddToScheme(e.Scheme); err != nil {
		t.Fatal(err)
	}
	gardenEnv = e
}

// apply applies the kustomization in dir as `kubectl apply --server-side -k`.
func apply(ctx context.Context, t *testing.T, c client.Client, dir string) {
	t.Helper()
	objs, err := config.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("config-test"), client.ForceOwnership); err != nil {
			t.Fatalf("apply %s/%s of %s/: %v", o.GetKind(), o.GetName(), dir, err)
		}
	}
}

// allowed asks c's API server whether the daemon's ServiceAccount may do ra.
func allowed(ctx context.Context, t *testing.T, c client.Client, ra authorizationv1.ResourceAttributes) bool {
	t.Helper()
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               "system:serviceaccount:" + namespace + ":" + serviceAccount,
		Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
		ResourceAttributes: &ra,
	}}
	if err := c.Create(ctx, review); err != nil {
		t.Fatal(err)
	}
	return review.Status.Allowed
}

// serviceAccountKubeconfig returns a kubeconfig of the virtual garden
// authenticating with a token of the daemon's ServiceAccount there.
func serviceAccountKubeconfig(ctx context.Context, t *testing.T) []byte {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: serviceAccount}}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))}}
	if err := gardenEnv.Client.SubResource("token").Create(ctx, sa, req); err != nil {
		t.Fatalf("request a token for %s: %v", serviceAccount, err)
	}
	cfg := gardenEnv.Config
	kubeconfig := clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"virtual-garden": {Server: cfg.Host, CertificateAuthorityData: cfg.CAData}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{serviceAccount: {Token: req.Status.Token}},
		Contexts:       map[string]*clientcmdapi.Context{"virtual-garden": {Cluster: "virtual-garden", AuthInfo: serviceAccount}},
		CurrentContext: "virtual-garden",
	}
	b, err := clientcmd.Write(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// serve runs `gardenfleet` with the runtime Deployment's arguments, its
// Secret volume's files in a directory standing for the mount, and
// listeners turned off; stop waits for it to end.
func serve(ctx context.Context, t *testing.T, logs io.Writer) (stop func()) {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := runtimeEnv.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "gardenfleet"}, d); err != nil {
		t.Fatal(err)
	}
	pod := d.Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the runtime Deployment mounts a token of the runtime cluster")
	}
	c := pod.Containers[0]
	args := c.Args
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			dir := filepath.Join(t.TempDir(), "mount")
			mountSecret(ctx, t, v.Secret, dir)
			for i := range args {
				args[i] = strings.ReplaceAll(args[i], m.MountPath, dir)
			}
		}
	}
	if !strings.Contains(strings.Join(args, " "), "--kubeconfig=") {
		t.Fatalf("the runtime Deployment's args %q give no --kubeconfig", c.Args)
	}
	// Later flags win: no ports on the test's host, a cache of its own.
	args = append(args, "--metrics-bind-address=0", "--health-probe-bind-address=0", "--dashboard-bind-address=0",
		"--cache-dir="+t.TempDir(), "--gate-poll-interval=100ms")
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(sctx, args, cli.Streams{In: strings.NewReader(""), Out: io.Discard, Err: logs})
	}()
	return func() {
		cancel()
		select {
		case code := <-done:
			if code != cli.ExitOK {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(time.Minute):
			t.Error("serve did not stop")
		}
	}
}

// mountSecret writes the items of the Secret a volume names into dir, as the
// kubelet would.
func mountSecret(ctx context.Context, t *testing.T, v *corev1.SecretVolumeSource, dir string) {
	t.Helper()
	s := &corev1.Secret{}
	if err := runtimeEnv.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: v.SecretName}, s); err != nil {
		t.Fatalf("the secret the Deployment mounts: %v", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, item := range v.Items {
		data, ok := s.Data[item.Key]
		if !ok {
			t.Fatalf("secret %s has no key %q", v.SecretName, item.Key)
		}
		if err := os.WriteFile(filepath.Join(dir, item.Path), data, 0o400); err != nil {
			t.Fatal(err)
		}
	}
}

// startGit serves a fleet repository over HTTP.
func startGit(ctx context.Context, t *testing.T) *gitserver.Server {
	t.Helper()
	git, err := gitserver.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := git.Stop(); err != nil {
			t.Error(err)
		}
	})
	if err := git.CreateRepo(ctx, "fleet"); err != nil {
		t.Fatal(err)
	}
	return git
}

// pushFleet pushes testdata/fleet.cue, a fleet of one shoot, in project.
func pushFleet(ctx context.Context, t *testing.T, git *gitserver.Server, project string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fleet.cue"))
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	fleet := strings.ReplaceAll(string(b), "PROJECT", project)
	if err := os.WriteFile(filepath.Join(src, "fleet.cue"), []byte(fleet), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := git.PushDir(ctx, "fleet", src, "test"); err != nil {
		t.Fatal(err)
	}
}
