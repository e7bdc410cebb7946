package config_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/config"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, &env, testenv.Options{WithoutSimulator: true}))
}

const serviceAccount = "system:serviceaccount:gardenfleet-system:gardenfleet"

// TestConfigApplies builds config/ with kustomize, applies it to the real
// API server and checks the deployment and the service account's rights.
func TestConfigApplies(t *testing.T) {
	testenv.Require(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	objs, err := config.Build(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("config-test"), client.ForceOwnership); err != nil {
			t.Fatalf("apply %s/%s: %v", o.GetKind(), o.GetName(), err)
		}
	}

	t.Run("fleets are served", func(t *testing.T) {
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion("gardenfleet.dev/v1alpha1")
		list.SetKind("FleetList")
		gomega.NewWithT(t).Eventually(func() error {
			return env.Client.List(ctx, list, client.InNamespace("gardenfleet-system"))
		}).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).Should(gomega.Succeed(), "Fleet CRD served")
	})

	t.Run("deployment is hardened", func(t *testing.T) {
		d := &appsv1.Deployment{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "gardenfleet-system", Name: "gardenfleet"}, d); err != nil {
			t.Fatal(err)
		}
		pod := d.Spec.Template.Spec
		if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
			t.Error("pod does not require a non-root user")
		}
		if len(pod.Containers) != 1 {
			t.Fatalf("want one container, got %d", len(pod.Containers))
		}
		c := pod.Containers[0]
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Error("root filesystem is not read-only")
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Error("privilege escalation is not forbidden")
		}
		if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			t.Error("capabilities are not all dropped")
		}
		if c.LivenessProbe == nil || c.ReadinessProbe == nil {
			t.Error("liveness or readiness probe missing")
		}
		if _, ok := c.Resources.Requests[corev1.ResourceMemory]; !ok {
			t.Error("no memory request")
		}
		if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
			t.Error("no memory limit")
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
			t.Error("fewer than two replicas: no standby leader")
		}
	})

	t.Run("dashboard is a Service", func(t *testing.T) {
		svc := &corev1.Service{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "gardenfleet-system", Name: "gardenfleet-dashboard"}, svc); err != nil {
			t.Fatal(err)
		}
		d := &appsv1.Deployment{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "gardenfleet-system", Name: "gardenfleet"}, d); err != nil {
			t.Fatal(err)
		}
		c := d.Spec.Template.Spec.Containers[0]
		// The serve default listens on loopback only: a Service needs the flag.
		if !slices.Contains(c.Args, "--dashboard-bind-address=:8082") {
			t.Errorf("args %q: no --dashboard-bind-address=:8082", c.Args)
		}
		port := svc.Spec.Ports[0].TargetPort.String()
		if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == port && p.ContainerPort == 8082 }) {
			t.Errorf("target port %q is not the container's port 8082", port)
		}
	})

	// Least privilege: what the reconciler needs, and nothing beyond.
	tests := []struct {
		verb, group, resource, subresource, namespace string
		allowed                                       bool
	}{
		{"patch", "core.gardener.cloud", "shoots", "", "garden-a", true},
		{"create", "core.gardener.cloud", "shoots", "", "garden-a", true},
		{"delete", "core.gardener.cloud", "shoots", "", "garden-a", true},
		{"patch", "core.gardener.cloud", "projects", "", "", true},
		{"list", "core.gardener.cloud", "cloudprofiles", "", "", true},
		{"patch", "core.gardener.cloud", "cloudprofiles", "", "", false},
		{"patch", "clabernetes.containerlab.dev", "topologies", "", "labs", true},
		{"create", "", "namespaces", "", "", true},
		{"delete", "", "namespaces", "", "", false},
		{"patch", "gardenfleet.dev", "fleets", "status", "gardenfleet-system", true},
		{"create", "", "events", "", "garden-a", true},
		{"update", "coordination.k8s.io", "leases", "", "gardenfleet-system", true},
		{"update", "coordination.k8s.io", "leases", "", "kube-system", false},
		{"get", "", "secrets", "", "gardenfleet-system", true},
		{"get", "", "secrets", "", "garden-a", false},
		{"create", "", "pods", "", "gardenfleet-system", false},
		{"patch", "core.gardener.cloud", "shoots", "adminkubeconfig", "garden-a", false},
		{"escalate", "rbac.authorization.k8s.io", "clusterroles", "", "", false},
	}
	for _, tt := range tests {
		name := tt.verb + " " + tt.resource
		if tt.subresource != "" {
			name += "/" + tt.subresource
		}
		if tt.namespace != "" {
			name += " in " + tt.namespace
		}
		t.Run(name, func(t *testing.T) {
			review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:   serviceAccount,
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:gardenfleet-system", "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Verb: tt.verb, Group: tt.group, Resource: tt.resource, Subresource: tt.subresource, Namespace: tt.namespace,
				},
			}}
			if err := env.Client.Create(ctx, review); err != nil {
				t.Fatal(err)
			}
			if review.Status.Allowed != tt.allowed {
				t.Errorf("allowed = %t, want %t (%s)", review.Status.Allowed, tt.allowed, review.Status.Reason)
			}
		})
	}
}
