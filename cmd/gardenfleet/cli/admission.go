package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/admission"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/fleet"
	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
)

// admissionOptions are the flags of Gardener's own checks.
type admissionOptions struct {
	cloudProfiles []string
	featureGates  string
}

// addCloudProfileFlag adds --cloudprofile; plan has its own help text.
func addCloudProfileFlag(cmd *cobra.Command, files *[]string, usage string) {
	cmd.Flags().StringArrayVar(files, "cloudprofile", nil, usage)
}

func addAdmissionFlags(cmd *cobra.Command, opts *admissionOptions) {
	addCloudProfileFlag(cmd, &opts.cloudProfiles, "a YAML file of CloudProfiles (or NamespacedCloudProfiles) to check shoots against, beside the repo's cloudprofiles/ (repeatable)")
	addFeatureGatesFlag(cmd, &opts.featureGates)
}

func addFeatureGatesFlag(cmd *cobra.Command, gates *string) {
	cmd.Flags().StringVar(gates, "feature-gates", "", "Gardener's feature gates in its syntax, e.g. InPlaceNodeUpdates=true (default: Gardener's defaults)")
}

// admission reads the files of --cloudprofile and checks --feature-gates:
// a bad gate is a usage error, an unreadable file an I/O error (exit 2).
func (o *admissionOptions) admission() (*boundedeval.Admission, error) {
	if err := admission.ParseFeatureGates(o.featureGates); err != nil {
		return nil, fmt.Errorf("--feature-gates: %w", err)
	}
	adm := &boundedeval.Admission{FeatureGates: o.featureGates}
	for _, name := range o.cloudProfiles {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read --cloudprofile: %w", err)
		}
		adm.Garden = append(adm.Garden, fleet.File{Path: name, Data: data})
	}
	return adm, nil
}

// addLiveGarden adds the live garden's CloudProfiles,
// NamespacedCloudProfiles and CredentialsBindings to adm.
func addLiveGarden(ctx context.Context, c client.Reader, adm *boundedeval.Admission) error {
	data, err := clusters.GardenObjects(ctx, c)
	if err != nil {
		return err
	}
	adm.Garden = append(adm.Garden, fleet.File{Path: "the garden cluster", Data: data})
	return nil
}
