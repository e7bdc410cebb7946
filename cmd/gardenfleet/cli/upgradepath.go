package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gardenfleet/gardenfleet/reconciler/planner"
	"github.com/gardenfleet/gardenfleet/reconciler/preview"
)

const upgradePathDoc = `Show the steps that take one shoot's Kubernetes versions to a target.

Each step is the whole set of versions after it. The control plane moves one
minor at a time through the newest usable patch of each minor; pools never get
ahead of it nor more than three minors behind, move before it only when they
must, and otherwise once at the end. In-place pools move one minor at a time.

Versions may carry a leading v. A target given as MAJOR.MINOR means the newest
usable patch of that minor. Usable versions come from --cloudprofile (a
core.gardener.cloud/v1beta1 CloudProfile, classified as of now) or from
--versions, with the live and target versions counted as available too.

An impossible request exits 1 with the reason; bad flags exit 2.

Examples:
  gardenfleet upgrade-path --control-plane 1.33.4 --pool a=1.33.4 --pool b=1.31.2 \
    --to 1.36 --versions 1.34.3,1.35.2,1.36.1
  gardenfleet upgrade-path --control-plane 1.33.4 --pool b=1.31.2 --in-place b \
    --pool-target b=1.35 --to 1.36 --cloudprofile cloudprofile.yaml -o json`

type upgradePathOptions struct {
	controlPlane string
	pools        []string // NAME=VERSION, in order
	poolTargets  []string // NAME=VERSION or NAME=MAJOR.MINOR
	to           string
	versions     []string
	cloudProfile string
	inPlace      []string
	allowPreview bool
	output       string
}

func newUpgradePathCmd(streams Streams) *cobra.Command {
	opts := &upgradePathOptions{}
	cmd := &cobra.Command{
		Use:   "upgrade-path --control-plane VERSION [--pool NAME=VERSION]... --to VERSION",
		Short: "Plan the version steps of one shoot, offline",
		Long:  upgradePathDoc,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runUpgradePath(cmd.Context(), streams, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.controlPlane, "control-plane", "", "the live control plane version")
	f.StringArrayVar(&opts.pools, "pool", nil, "a live worker pool as NAME=VERSION (repeatable)")
	f.StringArrayVar(&opts.poolTargets, "pool-target", nil, "a pool's own target as NAME=VERSION; pools without one follow the control plane (repeatable)")
	f.StringVar(&opts.to, "to", "", "the target control plane version")
	f.StringSliceVar(&opts.versions, "versions", nil, "usable versions, comma-separated")
	f.StringVar(&opts.cloudProfile, "cloudprofile", "", "a CloudProfile YAML file to take usable versions from")
	f.StringSliceVar(&opts.inPlace, "in-place", nil, "pools that update in place, comma-separated")
	f.BoolVar(&opts.allowPreview, "allow-preview", false, "let the planner choose preview versions")
	f.StringVarP(&opts.output, "output", "o", "text", "output format: text or json")
	_ = cmd.MarkFlagRequired("control-plane")
	_ = cmd.MarkFlagRequired("to")
	cmd.MarkFlagsMutuallyExclusive("versions", "cloudprofile")
	return cmd
}

func runUpgradePath(_ context.Context, streams Streams, opts *upgradePathOptions) error {
	if opts.output != "text" && opts.output != "json" {
		return fmt.Errorf("unknown output format %q", opts.output)
	}
	current, err := liveShoot(opts)
	if err != nil {
		return err
	}
	catalog, err := usableVersions(opts, current)
	if err != nil {
		return err
	}
	desired := planner.Desired{}
	if desired.ControlPlane, err = resolveTarget("--to", opts.to, catalog, opts.allowPreview); err != nil {
		return err
	}
	for _, pt := range opts.poolTargets {
		name, version, err := splitPool("--pool-target", pt)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(current.Pools, func(p planner.Pool) bool { return p.Name == name }) {
			return fmt.Errorf("--pool-target %s: no --pool %s", name, name)
		}
		if desired.Pools == nil {
			desired.Pools = map[string]planner.Version{}
		}
		if desired.Pools[name], err = resolveTarget("--pool-target "+name, version, catalog, opts.allowPreview); err != nil {
			return err
		}
	}

	res, err := planner.Plan(current, desired, planner.Policy{Versions: catalog, AllowPreview: opts.allowPreview})
	if err != nil {
		return failure(fmt.Errorf("no upgrade path: %w", err))
	}
	if opts.output == "json" {
		return preview.WritePathJSON(streams.Out, res)
	}
	return preview.WritePathText(streams.Out, current, res)
}

// liveShoot maps --control-plane, --pool and --in-place.
func liveShoot(opts *upgradePathOptions) (planner.Current, error) {
	var current planner.Current
	var err error
	if current.ControlPlane, err = planner.ParseVersion(opts.controlPlane); err != nil {
		return current, fmt.Errorf("--control-plane: %w", err)
	}
	for _, p := range opts.pools {
		name, version, err := splitPool("--pool", p)
		if err != nil {
			return current, err
		}
		if slices.ContainsFunc(current.Pools, func(p planner.Pool) bool { return p.Name == name }) {
			return current, fmt.Errorf("--pool %s given twice", name)
		}
		v, err := planner.ParseVersion(version)
		if err != nil {
			return current, fmt.Errorf("--pool %s: %w", name, err)
		}
		current.Pools = append(current.Pools, planner.Pool{Name: name, Version: v, InPlace: slices.Contains(opts.inPlace, name)})
	}
	for _, name := range opts.inPlace {
		if !slices.ContainsFunc(current.Pools, func(p planner.Pool) bool { return p.Name == name }) {
			return current, fmt.Errorf("--in-place %s: no --pool %s", name, name)
		}
	}
	return current, nil
}

func splitPool(flag, s string) (name, version string, err error) {
	name, version, ok := strings.Cut(s, "=")
	if !ok || name == "" || version == "" {
		return "", "", fmt.Errorf("%s %q: want NAME=VERSION", flag, s)
	}
	return name, version, nil
}

// usableVersions builds the catalog from --cloudprofile, or from --versions
// plus every live and fully given target version.
func usableVersions(opts *upgradePathOptions, current planner.Current) (*planner.Catalog, error) {
	if opts.cloudProfile != "" {
		data, err := os.ReadFile(opts.cloudProfile)
		if err != nil {
			return nil, fmt.Errorf("read --cloudprofile: %w", err)
		}
		versions, err := planner.DecodeCloudProfile(data, time.Now())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opts.cloudProfile, err)
		}
		return planner.NewCatalog(versions)
	}

	var listed []planner.Version
	for _, s := range opts.versions {
		v, err := planner.ParseVersion(s)
		if err != nil {
			return nil, fmt.Errorf("--versions: %w", err)
		}
		listed = append(listed, v)
	}
	listed = append(listed, current.ControlPlane)
	for _, p := range current.Pools {
		listed = append(listed, p.Version)
	}
	targets := []string{opts.to}
	for _, pt := range opts.poolTargets {
		_, version, _ := strings.Cut(pt, "=")
		targets = append(targets, version)
	}
	for _, s := range targets {
		// A MAJOR.MINOR target is resolved against the list instead.
		if v, err := planner.ParseVersion(s); err == nil {
			listed = append(listed, v)
		}
	}
	return preview.ListedCatalog(listed)
}

// resolveTarget maps a target flag: a malformed version is a usage error, a
// minor without a usable version an impossible request.
func resolveTarget(flag, s string, catalog *planner.Catalog, allowPreview bool) (planner.Version, error) {
	v, err := catalog.Resolve(s, allowPreview)
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, planner.ErrInvalidVersion):
		return v, fmt.Errorf("%s: %w", flag, err)
	default:
		return v, failure(fmt.Errorf("no upgrade path: %s %s: %w", flag, s, err))
	}
}
