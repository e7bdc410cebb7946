package metal

import (
	"strings"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	infraOK           = `{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig","partitionID":"mini-lab","projectID":"p-1","firewall":{"image":"firewall-ubuntu-3.0","size":"v1-small-x86","networks":["internet"]}}`
	infraOtherPart    = `{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig","partitionID":"other","projectID":"p-1","firewall":{"image":"firewall-ubuntu-3.0","size":"v1-small-x86","networks":["internet"]}}`
	testProfileConfig = `{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"CloudProfileConfig","metalControlPlanes":{"mini-lab":{"endpoint":"http://metal-api","firewallControllerVersions":[{"version":"v2.5.0","url":"https://example.invalid/firewall-controller","classification":"supported"}],"partitions":{"mini-lab":{},"other":{}}}}}`
)

func shoot(tenant, infra string) *core.Shoot {
	s := &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"},
		Spec: core.ShootSpec{
			Region: "local",
			Provider: core.Provider{Type: Type, Workers: []core.Worker{{
				Name:    "pool",
				Machine: core.Machine{Type: "m", Image: &core.ShootMachineImage{Name: "debian", Version: "12"}},
			}}},
		},
	}
	if tenant != "" {
		s.Annotations = map[string]string{TenantAnnotation: tenant}
	}
	if infra != "" {
		s.Spec.Provider.InfrastructureConfig = &apiruntime.RawExtension{Raw: []byte(infra)}
	}
	return s
}

func profile(config string) *gardencorev1beta1.CloudProfile {
	p := &gardencorev1beta1.CloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "metal"},
		Spec: gardencorev1beta1.CloudProfileSpec{
			Regions:       []gardencorev1beta1.Region{{Name: "local", Zones: []gardencorev1beta1.AvailabilityZone{{Name: "mini-lab"}, {Name: "other"}}}},
			MachineImages: []gardencorev1beta1.MachineImage{{Name: "debian", Versions: []gardencorev1beta1.MachineImageVersion{{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "12"}}}}},
		},
	}
	if config != "" {
		p.Spec.ProviderConfig = &apiruntime.RawExtension{Raw: []byte(config)}
	}
	return p
}

// messages is what the webhook answers for errs.
func messages(errs field.ErrorList) string {
	if err := errs.ToAggregate(); err != nil {
		return err.Error()
	}
	return ""
}

func TestValidateCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		shoot   *core.Shoot
		profile *gardencorev1beta1.CloudProfile
		want    string
	}{
		{"valid", shoot("t-1", infraOK), profile(""), ""},
		{"valid with a CloudProfileConfig", shoot("t-1", infraOK), profile(testProfileConfig), ""},
		{"other providers pass", func() *core.Shoot { s := shoot("", ""); s.Spec.Provider.Type = "local"; return s }(), profile(""), ""},
		// Upstream's own checks.
		{"no tenant", shoot("", infraOK), profile(""),
			"metadata.annotations: Required value: cluster must be annotated with a tenant using the annotations: cluster.metal-stack.io/tenant"},
		{"no InfrastructureConfig", shoot("t-1", ""), profile(""),
			"spec.provider.infrastructureConfig: Required value: InfrastructureConfig must be set for metal shoots"},
		// The CloudProfile is checked before the tenant, as upstream's create does.
		{"partition not a zone, no tenant", shoot("", `{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig","partitionID":"nowhere","projectID":"p-1","firewall":{"image":"i","size":"s","networks":["internet"]}}`), profile(""),
			`spec.provider.infrastructureConfig.partitionID: Invalid value: "nowhere": supported values: [mini-lab other]`},
		// metal-stack's validation functions.
		{"no firewall image", shoot("t-1", `{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig","partitionID":"mini-lab","projectID":"p-1","firewall":{"size":"s","networks":["internet"]}}`), profile(""),
			"spec.provider.infrastructureConfig.firewall.image: Required value: firewall image must be specified"},
		{"machine image not offered", func() *core.Shoot {
			s := shoot("t-1", infraOK)
			s.Spec.Provider.Workers[0].Machine.Image.Version = "11"
			return s
		}(), profile(""),
			"spec.provider.workers[0].machine.image: Required value: machine image debian in version 11 not offered, available images are: [debian-12]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := messages(ValidateCreate(tt.shoot, tt.profile))
			// Upstream lists the zones of a set unsorted (UnsortedList):
			// either order is its answer.
			if got == strings.Replace(tt.want, "[mini-lab other]", "[other mini-lab]", 1) {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new *core.Shoot
		profile  *gardencorev1beta1.CloudProfile
		want     string
	}{
		{"unchanged", shoot("t-1", infraOK), shoot("t-1", infraOK), profile(testProfileConfig), ""},
		{"tenant changed", shoot("t-1", infraOK), shoot("t-2", infraOK), profile(testProfileConfig),
			"metadata.annotations: Forbidden: tenant annotation of a shoot is immutable"},
		{"tenant removed", shoot("t-1", infraOK), shoot("", infraOK), profile(testProfileConfig),
			"metadata.annotations: Forbidden: tenant annotation of a shoot is immutable"},
		{"partition changed", shoot("t-1", infraOK), shoot("t-1", infraOtherPart), profile(testProfileConfig),
			`spec.provider.infrastructureConfig.partitionID: Invalid value: "other": field is immutable`},
		// Without a CloudProfileConfig upstream would fail on nil; the update rules are skipped.
		{"partition changed, no CloudProfileConfig", shoot("t-1", infraOK), shoot("t-1", infraOtherPart), profile(""), ""},
		{"InfrastructureConfig removed", shoot("t-1", infraOK), shoot("t-1", ""), profile(""),
			"spec.provider.infrastructureConfig: Required value: InfrastructureConfig must be set for metal shoots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, messages(ValidateUpdate(tt.old, tt.new, tt.profile))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
