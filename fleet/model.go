package fleet

import (
	"encoding/json"
	"fmt"
	"time"

	"cuelang.org/go/cue/token"
)

// Fleet is a loaded and validated fleet repo. Slices are sorted by name so
// that everything built from a Fleet is deterministic.
type Fleet struct {
	Projects []Project
	Shoots   []Shoot
	Labs     []Lab
	// Waves order version upgrades across shoots; shoots without a wave
	// go after all waves.
	Waves []Wave
	// Overlay is the repo's kustomize/ directory, if it has one.
	Overlay *Overlay
	// CloudProfiles are the files of the repo's cloudprofiles/ directory:
	// Gardener CloudProfiles (and NamespacedCloudProfiles) as YAML.
	CloudProfiles []File
	// Warnings are what the fleet says that has no effect or may not do
	// what it seems to, as a cue/errors.Error: print them with Issues.
	Warnings error
}

// Project is a Gardener project; its namespace is garden-<name>.
type Project struct {
	Name        string
	Namespace   string
	Description string
	// Declared is where the project is declared first (see DeclaredIssue).
	Declared token.Pos
}

// Shoot is one shoot with all layers of settings merged into it.
type Shoot struct {
	Name        string
	Project     string
	Namespace   string
	Environment string

	CloudProfile       CloudProfileRef
	Region             string
	Purpose            string
	CredentialsBinding string
	Kubernetes         Kubernetes
	Provider           Provider
	Networking         Networking
	Maintenance        Maintenance
	Hibernation        Hibernation
	Extensions         []Extension
	DNSDomain          string
	Labels             map[string]string
	Annotations        map[string]string
	Rollout            Rollout
	// ShootFields are fields of Gardener's Shoot as the fleet's `shoot`
	// sets them, merged over the rendered Shoot last.
	ShootFields Object

	// Pools are the worker pools; none makes the shoot workerless.
	Pools []Pool
	// Declared is where the shoot is declared first, when it is declared
	// as shoots: NAME at the top of a file (see DeclaredIssue).
	Declared token.Pos
}

// Workerless reports whether the shoot runs only a control plane.
func (s *Shoot) Workerless() bool { return len(s.Pools) == 0 }

// CloudProfileRef names a CloudProfile or NamespacedCloudProfile. In CUE it
// may be written as a plain name.
type CloudProfileRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// UnmarshalJSON accepts a plain name as shorthand for a CloudProfile.
func (r *CloudProfileRef) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*r = CloudProfileRef{Kind: "CloudProfile", Name: name}
		return nil
	}
	type plain CloudProfileRef
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return fmt.Errorf("decoding cloudProfile: %w", err)
	}
	return nil
}

// Object is an arbitrary JSON object passed through to Gardener as is.
type Object = map[string]any

// Kubernetes holds the control plane version and component settings.
type Kubernetes struct {
	Version               string     `json:"version,omitempty"`
	KubeAPIServer         Object     `json:"kubeAPIServer,omitempty"`
	KubeControllerManager Object     `json:"kubeControllerManager,omitempty"`
	Etcd                  Object     `json:"etcd,omitempty"`
	KubeScheduler         Object     `json:"kubeScheduler,omitempty"`
	Kubelet               Object     `json:"kubelet,omitempty"`
	KubeProxy             *KubeProxy `json:"kubeProxy,omitempty"`
	ClusterAutoscaler     Object     `json:"clusterAutoscaler,omitempty"`
	VerticalPodAutoscaler Object     `json:"verticalPodAutoscaler,omitempty"`
}

// KubeProxy configures kube-proxy, which runs per pool at the pool's version.
type KubeProxy struct {
	Mode    string `json:"mode,omitempty"`
	Enabled *bool  `json:"enabled,omitempty"`
}

// Provider is the infrastructure provider of a shoot.
type Provider struct {
	Type                 string `json:"type,omitempty"`
	Metal                *Metal `json:"metal,omitempty"`
	InfrastructureConfig Object `json:"infrastructureConfig,omitempty"`
	ControlPlaneConfig   Object `json:"controlPlaneConfig,omitempty"`
}

// ProviderMetal is the provider type of metal-stack.
const ProviderMetal = "metal"

// Metal is the metal-stack configuration of a shoot.
type Metal struct {
	Partition         string          `json:"partition,omitempty"`
	Project           string          `json:"project,omitempty"`
	Tenant            string          `json:"tenant,omitempty"`
	Firewall          Firewall        `json:"firewall"`
	NetworkAccessType string          `json:"networkAccessType,omitempty"`
	ExternalNetwork   string          `json:"externalNetwork,omitempty"`
	CCMFeatureGates   map[string]bool `json:"ccmFeatureGates,omitempty"`
	StorageClass      string          `json:"storageClass,omitempty"`
}

// Firewall is the metal-stack firewall in front of a shoot's machines.
type Firewall struct {
	Size                   string       `json:"size,omitempty"`
	Image                  string       `json:"image,omitempty"`
	Networks               []string     `json:"networks,omitempty"`
	RateLimits             []RateLimit  `json:"rateLimits,omitempty"`
	EgressRules            []EgressRule `json:"egressRules,omitempty"`
	LogAcceptedConnections bool         `json:"logAcceptedConnections,omitempty"`
	ControllerVersion      string       `json:"controllerVersion,omitempty"`
}

// RateLimit limits a firewall network to RateLimit Mbit/s.
type RateLimit struct {
	Network   string `json:"network"`
	RateLimit int64  `json:"rateLimit"`
}

// EgressRule source-NATs traffic to a network through the given IPs.
type EgressRule struct {
	Network string   `json:"network"`
	IPs     []string `json:"ips"`
}

// Networking is the shoot's network settings.
type Networking struct {
	Type           string   `json:"type,omitempty"`
	ProviderConfig Object   `json:"providerConfig,omitempty"`
	Pods           string   `json:"pods,omitempty"`
	Nodes          string   `json:"nodes,omitempty"`
	Services       string   `json:"services,omitempty"`
	IPFamilies     []string `json:"ipFamilies,omitempty"`
}

// Maintenance is the shoot's maintenance window and auto-update settings.
type Maintenance struct {
	Window     *TimeWindow `json:"window,omitempty"`
	AutoUpdate *AutoUpdate `json:"autoUpdate,omitempty"`
}

// TimeWindow is a maintenance window in Gardener's HHMMSS+ZZZZ format.
type TimeWindow struct {
	Begin string `json:"begin"`
	End   string `json:"end"`
}

// AutoUpdate says which versions Gardener's maintenance may raise.
type AutoUpdate struct {
	KubernetesVersion   *bool `json:"kubernetesVersion,omitempty"`
	MachineImageVersion *bool `json:"machineImageVersion,omitempty"`
}

// Hibernation is the resolved hibernation of a shoot: windows are already
// turned into cron schedules.
type Hibernation struct {
	// Enabled is set only for shoots without schedules; with schedules,
	// Gardener's hibernation controller owns the field.
	Enabled   *bool
	Schedules []Schedule
}

// Schedule is one Gardener hibernation schedule.
type Schedule struct {
	Start    string `json:"start,omitempty"`
	End      string `json:"end,omitempty"`
	Location string `json:"location,omitempty"`
}

// Extension is a Gardener extension enabled (or disabled) for a shoot.
type Extension struct {
	Type           string `json:"type"`
	ProviderConfig Object `json:"providerConfig,omitempty"`
	Disabled       *bool  `json:"disabled,omitempty"`
}

// Wave is a step of a fleet-wide upgrade.
type Wave struct {
	Name string `json:"name"`
	// MaxParallel limits how many shoots of the wave upgrade at once; 0 is no limit.
	MaxParallel int `json:"maxParallel,omitempty"`
	// BakeTime is how long the wave must stay healthy before the next starts.
	BakeTime time.Duration `json:"-"`
	RawBake  string        `json:"bakeTime,omitempty"`
}

// Rollout says how version upgrades of a shoot are ordered in the fleet.
type Rollout struct {
	Wave            string   `json:"wave,omitempty"`
	DependsOn       []string `json:"dependsOn,omitempty"`
	WhileHibernated string   `json:"whileHibernated,omitempty"`
	AllowPreview    bool     `json:"allowPreview,omitempty"`
	// Window "maintenance" starts version steps only inside the shoot's
	// spec.maintenance.timeWindow; "" starts them whenever the gate allows.
	Window string `json:"window,omitempty"`
}

// WindowMaintenance is the Rollout.Window that confines version steps to the
// shoot's maintenance time window.
const WindowMaintenance = "maintenance"

// Update strategies of a worker pool.
const (
	AutoRollingUpdate   = "AutoRollingUpdate"
	AutoInPlaceUpdate   = "AutoInPlaceUpdate"
	ManualInPlaceUpdate = "ManualInPlaceUpdate"
)

// Pool is a worker pool of a shoot.
type Pool struct {
	Name string `json:"-"`
	PoolSettings
}

// PoolSettings are the settings of a pool, also inheritable as defaults.
type PoolSettings struct {
	Machine        string            `json:"machine,omitempty"`
	Image          *MachineImage     `json:"image,omitempty"`
	Architecture   string            `json:"architecture,omitempty"`
	Minimum        *int32            `json:"minimum,omitempty"`
	Maximum        *int32            `json:"maximum,omitempty"`
	MaxSurge       *IntOrPercent     `json:"maxSurge,omitempty"`
	MaxUnavailable *IntOrPercent     `json:"maxUnavailable,omitempty"`
	Zones          []string          `json:"zones,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	Annotations    map[string]string `json:"annotations,omitempty"`
	Taints         []Taint           `json:"taints,omitempty"`
	Volume         *Volume           `json:"volume,omitempty"`
	CRI            string            `json:"cri,omitempty"`
	Kubernetes     *PoolKubernetes   `json:"kubernetes,omitempty"`
	UpdateStrategy string            `json:"updateStrategy,omitempty"`
}

// Version is the pool's own Kubernetes version, or "" to follow the control plane.
func (p *PoolSettings) Version() string {
	if p.Kubernetes == nil {
		return ""
	}
	return p.Kubernetes.Version
}

// InPlace reports whether the pool updates nodes in place, which forbids
// skipping minors.
func (p *PoolSettings) InPlace() bool {
	return p.UpdateStrategy == AutoInPlaceUpdate || p.UpdateStrategy == ManualInPlaceUpdate
}

// MachineImage is a pool's machine image.
type MachineImage struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// PoolKubernetes holds a pool's own Kubernetes version.
type PoolKubernetes struct {
	Version string `json:"version,omitempty"`
}

// Taint is a node taint of a pool.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// Volume is a pool's root volume.
type Volume struct {
	Type string `json:"type,omitempty"`
	Size string `json:"size"`
}

// IntOrPercent is a count or a percentage such as "25%".
type IntOrPercent struct {
	Int     int32
	Percent string
}

// UnmarshalJSON accepts a number or a percentage string.
func (v *IntOrPercent) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*v = IntOrPercent{}
		return json.Unmarshal(b, &v.Percent)
	}
	*v = IntOrPercent{}
	return json.Unmarshal(b, &v.Int)
}

// Value returns the number or the percentage string, as Gardener takes it.
func (v IntOrPercent) Value() any {
	if v.Percent != "" {
		return v.Percent
	}
	return int64(v.Int)
}

// IsZero reports whether the value is 0 or 0%.
func (v IntOrPercent) IsZero() bool {
	return v.Percent == "" && v.Int == 0 || v.Percent == "0%"
}

// File is a file of the fleet repo, by its path in the repo.
type File struct {
	Path string
	Data []byte
}

// Overlay is the kustomize overlay of a fleet repo: the files of its
// kustomize/ directory, by path relative to that directory.
type Overlay struct {
	Dir   string
	Files map[string][]byte
}
