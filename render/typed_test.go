package render_test

import (
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

func TestShootDecodesComponentSettingsStrictly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		k       fleet.Kubernetes
		wantErr string
	}{
		{
			name: "known fields",
			k: fleet.Kubernetes{
				KubeAPIServer: fleet.Object{"enableAnonymousAuthentication": false, "requests": map[string]any{"maxMutatingInflight": float64(200)}},
				Kubelet:       fleet.Object{"maxPods": float64(110)},
			},
		},
		{
			name:    "a typo in kubeAPIServer",
			k:       fleet.Kubernetes{KubeAPIServer: fleet.Object{"enableAnonymousAuthenticaton": false}},
			wantErr: `shoot garden-p/s: kubernetes.kubeAPIServer: unknown field "enableAnonymousAuthenticaton" (not a field of Gardener's v1beta1 API)`,
		},
		{
			name:    "a nested unknown field",
			k:       fleet.Kubernetes{Kubelet: fleet.Object{"evictionHard": map[string]any{"memoryAvailble": "100Mi"}}},
			wantErr: `shoot garden-p/s: kubernetes.kubelet: unknown field "evictionHard.memoryAvailble" (not a field of Gardener's v1beta1 API)`,
		},
		{
			name:    "a wrong type",
			k:       fleet.Kubernetes{Etcd: fleet.Object{"main": "big"}},
			wantErr: `shoot garden-p/s: kubernetes.etcd: decoding: json: cannot unmarshal string into Go struct field ETCD.main of type v1beta1.ETCDConfig`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := tt.k
			k.Version = "1.34.1"
			_, err := render.Shoot(&fleet.Shoot{Name: "s", Namespace: "garden-p", Kubernetes: k})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("error = %q\nwant    %q", got, tt.wantErr)
			}
		})
	}
}

// TestShootAllFields renders every field the fleet model has and pins the
// result: the typed rendering sends only what the fleet sets.
func TestShootAllFields(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	one, three := int32(1), int32(3)
	s := &fleet.Shoot{
		Name: "s", Namespace: "garden-p",
		CloudProfile: fleet.CloudProfileRef{Kind: "CloudProfile", Name: "metal"},
		Region:       "local", Purpose: "production", CredentialsBinding: "creds",
		Kubernetes: fleet.Kubernetes{
			Version:   "v1.34.1",
			KubeProxy: &fleet.KubeProxy{Mode: "IPTables", Enabled: &yes},
			Kubelet:   fleet.Object{"maxPods": float64(110)},
		},
		Provider: fleet.Provider{Type: "metal", Metal: &fleet.Metal{
			Partition: "part", Project: "proj", Tenant: "team",
			Firewall: fleet.Firewall{Size: "fw", Image: "img", Networks: []string{"internet"},
				RateLimits: []fleet.RateLimit{{Network: "internet", RateLimit: 10}}},
			ExternalNetwork: "internet",
		}},
		Networking:  fleet.Networking{Type: "calico", Pods: "10.0.0.0/16", ProviderConfig: fleet.Object{"x": float64(1.5)}},
		Maintenance: fleet.Maintenance{AutoUpdate: &fleet.AutoUpdate{MachineImageVersion: &no}},
		Hibernation: fleet.Hibernation{Enabled: &no},
		Extensions:  []fleet.Extension{{Type: "acl", ProviderConfig: fleet.Object{"rule": nil}}},
		Pools: []fleet.Pool{{Name: "a", PoolSettings: fleet.PoolSettings{
			Machine: "m", Image: &fleet.MachineImage{Name: "ubuntu"}, Minimum: &one, Maximum: &three,
			MaxSurge: &fleet.IntOrPercent{Percent: "25%"}, MaxUnavailable: &fleet.IntOrPercent{},
			Taints: []fleet.Taint{{Key: "k", Effect: "NoSchedule"}}, Volume: &fleet.Volume{Size: "10Gi"},
			Kubernetes: &fleet.PoolKubernetes{Version: "1.33.2"}, UpdateStrategy: fleet.AutoInPlaceUpdate,
		}}},
	}
	obj, err := render.Shoot(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := yaml.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  annotations:
    cluster.metal-stack.io/tenant: team
  name: s
  namespace: garden-p
spec:
  cloudProfile:
    kind: CloudProfile
    name: metal
  credentialsBindingName: creds
  extensions:
  - providerConfig:
      rule: null
    type: acl
  hibernation:
    enabled: false
  kubernetes:
    kubeProxy:
      enabled: true
      mode: IPTables
    kubelet:
      maxPods: 110
    version: 1.34.1
  maintenance:
    autoUpdate:
      machineImageVersion: false
  networking:
    pods: 10.0.0.0/16
    providerConfig:
      x: 1.5
    type: calico
  provider:
    controlPlaneConfig:
      apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
      cloudControllerManager:
        defaultExternalNetwork: internet
      kind: ControlPlaneConfig
    infrastructureConfig:
      apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
      firewall:
        image: img
        networks:
        - internet
        rateLimits:
        - networkID: internet
          rateLimit: 10
        size: fw
      kind: InfrastructureConfig
      partitionID: part
      projectID: proj
    type: metal
    workers:
    - kubernetes:
        version: 1.33.2
      machine:
        image:
          name: ubuntu
        type: m
      maxSurge: 25%
      maxUnavailable: 0
      maximum: 3
      minimum: 1
      name: a
      taints:
      - effect: NoSchedule
        key: k
      updateStrategy: AutoInPlaceUpdate
      volume:
        size: 10Gi
  purpose: production
  region: local
`
	if string(got) != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
	}
}
