package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/admission"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/fleet"
	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/reconciler/planner"
	"github.com/gardenfleet/gardenfleet/reconciler/preview"
	"github.com/gardenfleet/gardenfleet/reconciler/preview/base"
)

const planDoc = `Show what applying a fleet would change, before it is applied.

Compares the fleet in PATH (as it is on disk, uncommitted changes included)
with a base and reports: the objects added, changed (field by field) and
removed; each shoot's Kubernetes version steps in the order the planner
takes them; the waves those shoots roll out in; and the rules the change
breaks (every validation issue with file:line:col, a planner error per
shoot).

The base is the fleet at --base (default HEAD, so that the plan shows your
uncommitted changes; on a pull request use the target branch, e.g.
origin/main), read offline with go-git from the Git work tree around PATH.
A base without a fleet at PATH makes everything new; an invalid base fleet
is noted and everything is compared with nothing. With --kubeconfig the
base is the live garden cluster instead: the objects the fleet names, plus
those carrying gardenfleet's ownership labels (of --owner only, if given)
that it no longer names; a field only the live object has counts as removed
only when gardenfleet's field manager owns it, as server-side apply would
remove nothing else; versions Gardener raised are kept, as apply keeps them.

Versions come from --cloudprofile files (matched to shoots by name;
repeatable), with --kubeconfig also from the cluster's cloud profiles.
Without either, only the versions the base and new shoots name are known:
a minor between them that none names is shown as MAJOR.MINOR.x and listed
as missing.

Output (-o): text for a terminal; markdown for a pull request comment
(kept under 65,000 characters by leaving out detail, which it says);
json, a stable schema:

  {"schema": "gardenfleet.dev/plan/v1", "base": "HEAD (3f2a1bc)",
   "invalid": false,
   "summary": {"added", "changed", "removed", "unchanged", "upgrades", "violations"},
   "objects": [{"op": "added|changed|removed", "apiVersion", "kind",
                "namespace", "name",
                "fields": [{"path": "spec.provider.workers[name=a].maximum",
                            "op": "added|changed|removed",
                            "from": <json>, "to": <json>}]}],
   "upgrades": [{"shoot": "ns/name", "cloudProfile", "wave", "dependsOn": [],
                 "hold", "current": {"controlPlane", "pools": {"a": "1.35.4"}},
                 "target": {...}, "steps": [{"controlPlane", "pools",
                 "changes": ["control plane 1.35.4 -> 1.36.2"]}],
                 "kept": [], "missingMinors": ["1.35"], "error"}],
   "waves": [{"name", "maxParallel", "bakeTime", "shoots": []}],
   "schedule": {"stepDuration": "30m",
                "waves": [{"name", "entries": [{"shoot", "step", "steps",
                           "changes": [], "at": "1h30m", "window":
                           "Tue 03:00-04:00 +0100", "windowStart": RFC3339,
                           "after": ["wave canary bakes 30m"], "blocked"}]}]},
   "forecast": {"within": "30d", "entries": [{"shoot", "pool", "image",
                "version", "expires", "to", "subject", "gardener", "fleet"}]},
   "violations": [{"file", "line", "column", "path", "shoot", "message"}],
   "notes": []}

With --forecast (e.g. 30d) the plan lists every shoot and pool of the base
whose Kubernetes or machine image version expires within that time by the
CloudProfiles' expirationDates (--cloudprofile, or the cluster's with
--kubeconfig), the date, what Gardener's maintenance then does (it
force-updates an expired version in the shoot's maintenance window even with
auto-update off: the newest patch of the minor while one is not expired,
else one minor up), and whether the fleet's own plan gets there first.

The schedule is when each step starts at the earliest, wave by wave, if
each step took --step-duration until Gardener confirms it: after the bake
time of the wave before, a free slot of the wave's maxParallel, the shoot's
dependsOn, and for rollout window "maintenance" inside the shoot's
maintenance time window (several steps fit in one, the rest waits for the
next). "at" counts from now (or --at); windows are shown in their own zone.

Objects are in apply order, fields sorted by path (list items keyed by name,
else by type, else by index), upgrades by shoot; optional fields are left
out when empty. The report is deterministic.

Exit codes: 0 on success, 1 when the fleet is invalid or a shoot cannot be
planned or takes longer than --timeout or more memory than --eval-memory to
evaluate, 2 on usage or I/O errors
(an unreadable base) or Ctrl-C. With --exit-code: 0 nothing changes, 1
something changes, 2 any error or violation.

Examples:
  gardenfleet plan
  gardenfleet plan --base origin/main -o markdown --exit-code fleet/
  gardenfleet plan --cloudprofile metal.yaml -o json examples/fleet
  gardenfleet plan --kubeconfig garden.yaml examples/fleet`

type planOptions struct {
	admissionOptions
	path       string
	base       string
	kubeconfig string
	owner      string
	output     string
	exitCode   bool
	timeout    time.Duration
	memory     int64
	at         string
	stepTime   time.Duration
	forecast   string
}

func newPlanCmd(streams Streams) *cobra.Command {
	opts := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan [--base REV] [--kubeconfig FILE] [-o text|markdown|json] [--exit-code] [PATH]",
		Short: "Show what applying a fleet would change: objects, field diffs, upgrade steps, waves",
		Long:  planDoc,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.path = pathArg(args)
			return runPlan(cmd.Context(), streams, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.base, "base", "HEAD", "the Git revision to compare with")
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "compare with the live garden cluster of this kubeconfig instead of Git")
	f.StringVar(&opts.owner, "owner", "", "with --kubeconfig: only objects applied by this Fleet object (NAMESPACE/NAME) count as removed")
	addCloudProfileFlag(cmd, &opts.cloudProfiles, "a CloudProfile YAML file to take versions from and check shoots against (repeatable)")
	addFeatureGatesFlag(cmd, &opts.featureGates)
	f.StringVarP(&opts.output, "output", "o", "text", "output format: text, markdown or json")
	f.BoolVar(&opts.exitCode, "exit-code", false, "exit 0 when nothing changes, 1 when something does, 2 on errors")
	cmd.MarkFlagsMutuallyExclusive("base", "kubeconfig")
	addTimeoutFlag(cmd, &opts.timeout)
	addEvalMemoryFlag(cmd, &opts.memory)
	f.StringVar(&opts.at, "at", "", "plan as of this time (RFC3339), e.g. when the change will be merged; default now")
	f.DurationVar(&opts.stepTime, "step-duration", preview.DefaultStepDuration, "what the schedule assumes one step takes until Gardener confirms it")
	f.StringVar(&opts.forecast, "forecast", "", "list the shoot and pool versions that expire within this time (e.g. 30d, 72h) and what Gardener then forces")
	return cmd
}

func runPlan(ctx context.Context, streams Streams, opts *planOptions) error {
	write, err := planWriter(opts.output)
	if err != nil {
		return err
	}
	var owner *clusters.Owner
	if opts.owner != "" {
		ns, name, ok := strings.Cut(opts.owner, "/")
		if !ok || ns == "" || name == "" || opts.kubeconfig == "" {
			return fmt.Errorf("--owner %q: want NAMESPACE/NAME, with --kubeconfig", opts.owner)
		}
		owner = &clusters.Owner{Namespace: ns, Name: name}
	}
	now := time.Now()
	if opts.at != "" {
		if now, err = time.Parse(time.RFC3339, opts.at); err != nil {
			return fmt.Errorf("--at %q: want an RFC3339 time, e.g. 2026-12-01T09:00:00Z", opts.at)
		}
	}
	if opts.stepTime <= 0 {
		return fmt.Errorf("--step-duration %s: want more than 0", opts.stepTime)
	}
	within, err := parseForecast(opts.forecast)
	if err != nil {
		return err
	}
	catalogs, err := readCloudProfiles(opts.cloudProfiles, now)
	if err != nil {
		return err
	}
	profiles, err := readProfileSpecs(opts.cloudProfiles)
	if err != nil {
		return err
	}
	adm, err := opts.admission()
	if err != nil {
		return err
	}

	in := preview.Input{Base: opts.base, Catalogs: catalogs, Now: now, StepDuration: opts.stepTime, Forecast: within, Profiles: profiles}
	// Both the fleet and a base from Git are evaluated with CUE, and
	// Gardener judges each change and step.
	r, err := bounded(ctx, opts.path, "planning the fleet", opts.timeout, func(ctx context.Context) (*preview.Report, error) {
		if err := readPlanInput(ctx, &in, opts, adm, owner, now); err != nil {
			return nil, err
		}
		if err := addFleetCatalogs(&in, now); err != nil {
			return nil, err
		}
		if err := admitUpdates(ctx, &in, adm); err != nil {
			return nil, err
		}
		return preview.Build(in), nil
	})
	var exitErr *ExitError
	if errors.As(err, &exitErr) && opts.exitCode {
		// With --exit-code, 1 means changes: a refusal is an error.
		exitErr.Code = ExitUsage
	}
	if err != nil {
		return err
	}

	if err := write(r, streams); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return planExit(r, opts.exitCode)
}

// addFleetCatalogs plans with the versions of the repo's cloudprofiles/
// for a profile neither --cloudprofile nor the live garden gives.
func addFleetCatalogs(in *preview.Input, now time.Time) error {
	if in.Fleet == nil {
		return nil
	}
	for _, file := range in.Fleet.CloudProfiles {
		objs, err := admission.Decode(file.Path, file.Data)
		if err != nil {
			return err // the child refused it already
		}
		for _, o := range objs {
			if o.GetKind() != "CloudProfile" && o.GetKind() != "NamespacedCloudProfile" {
				continue
			}
			data, err := o.MarshalJSON()
			if err != nil {
				return fmt.Errorf("%s: %w", file.Path, err)
			}
			key, cat, err := preview.DecodeCloudProfile(data, now)
			if err != nil {
				return fmt.Errorf("%s: %w", file.Path, err)
			}
			if _, given := in.Catalogs[key]; !given {
				in.Catalogs[key] = cat
			}
		}
	}
	return nil
}

// admitUpdates has the plan judge every changed Shoot and planned step with
// Gardener's update checks. The objects passed Gardener's create checks in
// the bounded child already; the update checks run here, under the plan's
// timeout, as they need the base too.
func admitUpdates(ctx context.Context, in *preview.Input, adm *boundedeval.Admission) error {
	if in.Fleet == nil || len(in.Issues) > 0 {
		return nil
	}
	j, issues, err := boundedeval.NewJudge(in.Fleet, adm)
	if err != nil {
		return err
	}
	if issues != nil {
		// The child refused these files already; it cannot get here.
		return fmt.Errorf("read garden objects: %s", issues[0].Message)
	}
	// The fleet's Projects are in the garden by the time its Shoots change.
	for _, o := range in.Objects {
		if o.GetKind() == "Project" {
			if err := j.AddGarden(o); err != nil {
				return err
			}
		}
	}
	in.AdmitUpdate = func(obj, old *unstructured.Unstructured) ([]string, []string, error) {
		vs, notes, err := j.AdmitUpdate(ctx, obj, old)
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.Message
		}
		return out, boundedeval.Notes(in.Fleet, adm, notes), err
	}
	return nil
}

// readPlanInput loads the fleet and reads its base into in.
func readPlanInput(ctx context.Context, in *preview.Input, opts *planOptions, adm *boundedeval.Admission, owner *clusters.Owner, now time.Time) error {
	var c client.Client
	if opts.kubeconfig != "" {
		var err error
		if c, in.Base, err = planClient(opts.kubeconfig); err != nil {
			return err
		}
		// Gardener's checks read the live garden's CloudProfiles.
		if err := addLiveGarden(ctx, c, adm); err != nil {
			return err
		}
	}
	var (
		notes []string
		err   error
	)
	if in.Fleet, in.Objects, in.Issues, notes, err = loadForPlan(ctx, opts.path, opts.memory, adm); err != nil {
		return err
	}
	in.Notes = append(in.Notes, notes...)
	if in.Fleet != nil && in.Fleet.Warnings != nil {
		in.Warnings = fleet.Issues(in.Fleet.Warnings, ".")
	}
	switch {
	case len(in.Issues) > 0:
		// An invalid fleet changes nothing: the base is not read.
		if opts.kubeconfig != "" {
			in.Base = "cluster"
		}
	case opts.kubeconfig != "":
		return liveBase(ctx, in, c, owner, now)
	default:
		rev, err := base.FromGit(ctx, opts.path, opts.base, boundedeval.Limits{Memory: opts.memory})
		if err != nil {
			return err
		}
		in.Base, in.BaseObjects = rev.String(), rev.Objects
		in.Notes = append(in.Notes, rev.Notes...)
	}
	return nil
}

func planWriter(output string) (func(*preview.Report, Streams) error, error) {
	switch output {
	case "text":
		return func(r *preview.Report, s Streams) error { return r.WriteText(s.Out) }, nil
	case "markdown":
		return func(r *preview.Report, s Streams) error { return r.WriteMarkdown(s.Out) }, nil
	case "json":
		return func(r *preview.Report, s Streams) error { return r.WriteJSON(s.Out) }, nil
	}
	return nil, fmt.Errorf("unknown output format %q: use text, markdown or json", output)
}

// loadForPlan loads and renders the fleet; an invalid one, or one whose
// objects Gardener refuses, comes back as issues for the report rather
// than as an error. Notes say which of Gardener's checks were skipped.
func loadForPlan(ctx context.Context, path string, memory int64, adm *boundedeval.Admission) (*fleet.Fleet, []*unstructured.Unstructured, []fleet.Issue, []string, error) {
	f, res, notes, err := loadAndRender(ctx, path, memory, adm)
	var invalid *boundedeval.InvalidError
	if errors.As(err, &invalid) {
		return nil, nil, invalid.Placed(), nil, nil
	}
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return f, res.Objects, nil, notes, nil
}

// readCloudProfiles reads --cloudprofile files by their catalog key.
func readCloudProfiles(files []string, now time.Time) (map[string]*planner.Catalog, error) {
	catalogs := map[string]*planner.Catalog{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read --cloudprofile: %w", err)
		}
		key, cat, err := preview.DecodeCloudProfile(data, now)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if _, dup := catalogs[key]; dup {
			return nil, fmt.Errorf("%s: cloud profile %s is given twice", file, key)
		}
		catalogs[key] = cat
	}
	return catalogs, nil
}

// parseForecast reads --forecast: days ("30d") or a Go duration ("72h").
func parseForecast(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, serr := fmt.Sscanf(days, "%d", &n); serr == nil && fmt.Sprint(n) == days {
			d, err = time.Duration(n)*24*time.Hour, nil
		}
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--forecast %q: want a positive time such as 30d or 72h", s)
	}
	return d, nil
}

// readProfileSpecs reads the --cloudprofile files' specs for the forecast;
// readCloudProfiles has checked them already.
func readProfileSpecs(files []string) (map[string]*gardencorev1beta1.CloudProfileSpec, error) {
	specs := map[string]*gardencorev1beta1.CloudProfileSpec{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read --cloudprofile: %w", err)
		}
		key, spec, err := preview.DecodeCloudProfileSpec(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		specs[key] = spec
	}
	return specs, nil
}

// liveBase points in at the live cluster: its objects as the base, the
// desired objects as apply would send them, and its cloud profiles where
// no --cloudprofile names them.
func liveBase(ctx context.Context, in *preview.Input, c client.Client, owner *clusters.Owner, now time.Time) error {
	live, err := base.FromCluster(ctx, c, in.Objects, base.ClusterOptions{Owner: owner, Now: now})
	if err != nil {
		return err
	}
	in.BaseObjects, in.Objects = live.Objects, live.Desired
	in.Notes = append(in.Notes, live.Notes...)
	in.FieldManager = clusters.FieldManager
	for k, cat := range live.Catalogs {
		if _, given := in.Catalogs[k]; !given {
			in.Catalogs[k] = cat
		}
	}
	for k, spec := range live.Profiles {
		if _, given := in.Profiles[k]; !given {
			in.Profiles[k] = spec
		}
	}
	return nil
}

// planClient connects to the cluster of --kubeconfig as every command does
// (kubeClient, client-go's limits as --kube-api-qps leaves them) and names
// it as a base by the kubeconfig's current context.
func planClient(kubeconfig string) (client.Client, string, error) {
	c, _, err := kubeClient(kubeconfig, defaultClientLimits())
	if err != nil {
		return nil, "", err
	}
	raw, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig}, &clientcmd.ConfigOverrides{}).RawConfig()
	if err != nil {
		return nil, "", fmt.Errorf("read kubeconfig: %w", err)
	}
	return c, "cluster " + raw.CurrentContext, nil
}

// planExit maps the report to the exit code (see planDoc).
func planExit(r *preview.Report, exitCode bool) error {
	var err error
	n := r.Summary.Violations
	switch {
	case r.Invalid && n == 1:
		err = errors.New("fleet is invalid: 1 error")
	case r.Invalid:
		err = fmt.Errorf("fleet is invalid: %d errors", n)
	case n == 1:
		err = errors.New("plan has 1 violation")
	case n > 1:
		err = fmt.Errorf("plan has %d violations", n)
	}
	switch {
	case err != nil && exitCode:
		return &ExitError{Code: ExitUsage, Err: err}
	case err != nil:
		return failure(err)
	case exitCode && r.HasChanges():
		// The report says what changes; nothing more to print.
		return &ExitError{Code: ExitFailure, Err: errors.New("")}
	}
	return nil
}
