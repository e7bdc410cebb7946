package bounded

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// judgeBase is a valid metal fleet; each case adds case.cue to it. No
// CloudProfile: only the checks that need none run.
const judgeBase = `package fleet

defaults: {
	cloudProfile:       "metal"
	region:             "local"
	credentialsBinding: "creds"
	kubernetes: version: "1.34.2"
	networking: type:    "calico"
	provider: metal: {
		partition: "mini-lab"
		project:   "p-1"
		tenant:    "t-1"
		firewall: {size: "v1-small-x86", image: "fw-3.0", networks: ["internet"]}
	}
	pool: {machine: "v1-small-x86", image: {name: "debian", version: "12"}}
}
projects: a: {}
`

// judgeCase loads, renders and judges the base fleet with case.cue, and
// returns the refusals as the CLI prints them.
func judgeCase(t *testing.T, src string) []string {
	t.Helper()
	return judgeCaseIn(t, src, &Admission{})
}

// judgeCaseIn is judgeCase with the garden of adm.
func judgeCaseIn(t *testing.T, src string, adm *Admission) []string {
	t.Helper()
	dir := t.TempDir()
	repo := snapshot.New(dir)
	for name, data := range map[string]string{"base.cue": judgeBase, "case.cue": "package fleet\n\n" + src} {
		if err := repo.AddFile(name, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	f, pos, err := fleet.LoadRepoWithPositions(repo)
	if err != nil {
		t.Fatal(fleet.Details(err, dir))
	}
	res, err := render.Fleet(f)
	if err != nil {
		t.Fatal(err)
	}
	issues, _, err := judge(context.Background(), f, pos, res, adm, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, is := range issues {
		got = append(got, is.String())
	}
	return got
}

// TestMetalRules: metal-stack's own validation judges the rendered
// InfrastructureConfig and workers, in its words, placed at the shoot.
func TestMetalRules(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "valid", src: `shoots: s: {project: "a", pools: p: {}, provider: metal: firewall: {
	rateLimits: [{network: "internet", rateLimit: 100}]
	egressRules: [{network: "internet", ips: ["203.0.113.7"]}]
}}`},
		{name: "egress rule with a CIDR", src: `shoots: s: {project: "a", pools: p: {}, provider: metal: firewall: egressRules: [{network: "internet", ips: ["203.0.113.0/24"]}]}`,
			want: []string{`case.cue:3:68: shoots.s: spec.provider.infrastructureConfig.firewall.egressRules[0]: Required value: egress rule contains a malformed ip address`}},
		{name: "egress rule on a network the firewall is not in", src: `shoots: s: {project: "a", pools: p: {}, provider: metal: firewall: egressRules: [{network: "storage", ips: ["203.0.113.7"]}]}`,
			want: []string{`case.cue:3:68: shoots.s: spec.provider.infrastructureConfig.firewall.egressRules[0]: Required value: egress rule network must be present as cluster network`}},
		{name: "egress rule without IPs", src: `shoots: s: {project: "a", pools: p: {}, provider: metal: firewall: egressRules: [{network: "internet", ips: []}]}`,
			want: []string{`case.cue:3:68: shoots.s: spec.provider.infrastructureConfig.firewall.egressRules[0]: Required value: egress rule must contain ip addresses to use`}},
		{name: "rate limit on a network the firewall is not in", src: `shoots: s: {project: "a", pools: p: {}, provider: metal: firewall: rateLimits: [{network: "storage", rateLimit: 10}]}`,
			want: []string{`case.cue:3:68: shoots.s: spec.provider.infrastructureConfig.firewall.rateLimit[0]: Required value: rate limit network must be present as cluster network`}},
		{name: "without firewall networks", src: `shoots: s: {project: "a", pools: p: {}, provider: metal: firewall: networks: []}`,
			want: []string{`case.cue:3:68: shoots.s: spec.provider.infrastructureConfig.firewall.networks: Required value: at least one external network needs to be defined as otherwise the cluster will under no circumstances be able to bootstrap`}},
		{name: "without partition and firewall image", src: `environments: e: provider: metal: {partition: "", firewall: image: ""}
shoots: s: {project: "a", environment: "e", pools: p: {}}`,
			want: []string{
				`case.cue:3:47: shoots.s: spec.provider.infrastructureConfig.partitionID: Required value: partitionID must be specified`,
				`case.cue:3:68: shoots.s: spec.provider.infrastructureConfig.firewall.image: Required value: firewall image must be specified`,
			}},
		{name: "pool with zones", src: `shoots: s: {project: "a", pools: p: zones: ["z1"]}`,
			want: []string{`case.cue:3:37: shoots.s: spec.provider.workers[0].zones: Required value: zone spreading is not supported, specify partition via infrastructure config`}},
		{name: "pool with volume", src: `shoots: s: {project: "a", pools: p: volume: size: "20Gi"}`,
			want: []string{`case.cue:3:37: shoots.s: spec.provider.workers[0].volume: Required value: volumes are not yet supported and must be nil`}},
		// Gardener refuses a raw Shoot field the schema lets through.
		{name: "shoot field Gardener refuses", src: `shoots: s: {project: "a", pools: p: {}, shoot: spec: controlPlane: highAvailability: failureTolerance: type: "region"}`,
			want: []string{`case.cue:3:110: shoots.s: spec.controlPlane.highAvailability.failureTolerance.type: Unsupported value: "region": supported values: "node", "zone"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, judgeCase(t, tt.src)); diff != "" {
				t.Errorf("refusals (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGardenerRules: the rules Gardener's own validation checks are not
// written again in package fleet; each refusal is Gardener's message,
// placed at the setting that produced the field.
func TestGardenerRules(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "pool three minors behind is allowed", src: `shoots: s: {project: "a", pools: old: kubernetes: version: "1.31.9"}`},
		{name: "pool newer than the control plane", src: `shoots: s: {project: "a", pools: green: kubernetes: version: "1.35.1"}`,
			want: []string{`case.cue:3:62: shoots.s: spec.provider.workers[0].kubernetes.version: Forbidden: worker group kubernetes version must not be higher than control plane version`}},
		{name: "pool four minors behind", src: `shoots: s: {project: "a", pools: old: kubernetes: version: "1.30.4"}`,
			want: []string{`case.cue:3:60: shoots.s: spec.provider.workers[0].kubernetes.version: Forbidden: worker group kubernetes version must be at most three minor versions behind control plane version`}},
		{name: "pool version from the pool defaults", src: `environments: e: pool: kubernetes: version: "1.35.1"
shoots: s: {project: "a", environment: "e", pools: p: {}}`,
			want: []string{`case.cue:3:45: shoots.s: spec.provider.workers[0].kubernetes.version: Forbidden: worker group kubernetes version must not be higher than control plane version`}},
		{name: "maximum below minimum", src: `shoots: s: {project: "a", pools: p: {minimum: 3, maximum: 1}}`,
			want: []string{`case.cue:3:59: shoots.s: spec.provider.workers[0].maximum: Forbidden: maximum value must not be less than minimum value`}},
		{name: "maxSurge and maxUnavailable both zero", src: `shoots: s: {project: "a", pools: p: {maxSurge: 0, maxUnavailable: "0%"}}`,
			want: []string{`case.cue:3:67: shoots.s: spec.provider.workers[0].maxUnavailable: Invalid value: "0%": may not be 0 when ` + "`" + `maxSurge` + "`" + ` is 0`}},
		{name: "maintenance window too short", src: `shoots: s: {project: "a", pools: p: {}, maintenance: window: {begin: "220000+0100", end: "221000+0100"}}`,
			want: []string{`case.cue:3:54: shoots.s: spec.maintenance.timeWindow: Invalid value: 600000000000: time window must not be smaller than 30m0s`}},
		{name: "extension listed twice", src: `shoots: s: {project: "a", pools: p: {}, extensions: [{type: "shoot-dns-service"}, {type: "shoot-dns-service"}]}`,
			want: []string{`case.cue:3:41: shoots.s: spec.extensions[1].type: Duplicate value: "shoot-dns-service"`}},
		{name: "purpose infrastructure", src: `shoots: s: {project: "a", pools: p: {}, purpose: "infrastructure"}`,
			want: []string{`case.cue:3:50: shoots.s: spec.purpose: Unsupported value: "infrastructure": supported values: "development", "evaluation", "production", "testing"`}},
		{name: "workerless shoot sets networking type itself", src: `shoots: cp: {project: "a", provider: type: "local", networking: type: "cilium"}`,
			want: []string{`case.cue:3:71: shoots.cp: spec.networking.type: Forbidden: this field should not be set for workerless Shoot clusters`}},
		{name: "workerless shoot sets kube-proxy", src: `shoots: cp: {project: "a", provider: type: "local", kubernetes: kubeProxy: mode: "IPVS"}`,
			want: []string{`case.cue:3:65: shoots.cp: spec.kubernetes.kubeProxy: Forbidden: this field should not be set for workerless Shoot clusters`}},
		{name: "workerless shoot drops inherited worker settings", src: `shoots: cp: {project: "a", provider: type: "local"}`},
		{name: "workerless shoot sets nodeCIDRMaskSizeIPv6", src: `shoots: cp: {project: "a", provider: type: "local", kubernetes: kubeControllerManager: nodeCIDRMaskSizeIPv6: 64}`,
			want: []string{`case.cue:3:88: shoots.cp: spec.kubernetes.kubeControllerManager.nodeCIDRMaskSizeIPv6: Forbidden: this field should not be set for workerless Shoot clusters`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, judgeCase(t, tt.src)); diff != "" {
				t.Errorf("refusals (-want +got):\n%s", diff)
			}
		})
	}
}

// smallProfile is a CloudProfile for local shoots whose one machine type has
// no more memory than Gardener's static kubeReserved (1Gi).
const smallProfile = `apiVersion: core.gardener.cloud/v1beta1
kind: CloudProfile
metadata:
  name: small
spec:
  type: local
  kubernetes:
    versions:
      - version: 1.34.2
      - version: 1.33.9
  regions:
    - name: local
  machineTypes:
    - name: small
      cpu: "1"
      gpu: "0"
      memory: 1Gi
      architecture: amd64
      usable: true
  machineImages:
    - name: local
      versions:
        - version: "1.0.0"
          architectures: [amd64]
`

// TestGardenerPlugins: Gardener's admission plugins that need the garden
// judge with it, in Gardener's words, placed at the shoot.
func TestGardenerPlugins(t *testing.T) {
	adm := &Admission{Garden: []fleet.File{{Path: "small.yaml", Data: []byte(smallProfile)}}}
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "pool on the shoot's version fits its machine", src: `shoots: s: {project: "a", cloudProfile: "small", provider: type: "local", pools: p: {machine: "small", image: {name: "local", version: "1.0.0"}}}`},
		{name: "pool with its own version on a machine no larger than kubeReserved", src: `shoots: s: {project: "a", cloudProfile: "small", provider: type: "local", pools: p: {machine: "small", image: {name: "local", version: "1.0.0"}, kubernetes: version: "1.33.9"}}`,
			want: []string{`case.cue:3:146: shoots.s: spec.provider.workers[0].kubernetes.kubelet: Invalid value: "kubeReserved memory: 1Gi": total reserved memory (kubeReserved) cannot be more than the Node's memory capacity '1Gi'`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, judgeCaseIn(t, tt.src, adm)); diff != "" {
				t.Errorf("refusals (-want +got):\n%s", diff)
			}
		})
	}
}
