package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/reconciler"
	"github.com/gardenfleet/gardenfleet/render"
	"github.com/gardenfleet/gardenfleet/render/out"
)

const renderDoc = `Render a fleet repo to Kubernetes objects.

Prints every object as multi-document YAML (or, with -o json, a List) in
apply order; the same fleet always renders to the same bytes. With --out DIR
it writes one file per object (kind_namespace_name.yaml) plus each lab's
<lab>.clab.yaml instead; an object whose kind, namespace or name is not a
Kubernetes name is refused (exit 1), and so is a DIR holding a symlink or a
special file (exit 2): nothing is written outside DIR.
--dry-run writes nothing to disk and contacts no cluster. --dry-run=server
asks the garden cluster of --kubeconfig what applying would do, with a
server-side dry run, and prints each object as created, configured or
unchanged instead of the objects.

A fleet that takes longer than --timeout or more memory than --eval-memory
to evaluate, or renders more than 50,000 objects or 64 MiB, is refused
(exit 1); Ctrl-C stops at once (exit 2).

Examples:
  gardenfleet render --dry-run examples/fleet
  gardenfleet render -o json .
  gardenfleet render --out rendered/ examples/fleet
  gardenfleet render --dry-run=server --kubeconfig garden.yaml examples/fleet`

type renderOptions struct {
	admissionOptions
	path       string
	output     string
	outDir     string
	dryRun     string
	kubeconfig string
	timeout    time.Duration
	memory     int64
}

func newRenderCmd(streams Streams) *cobra.Command {
	opts := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render [PATH]",
		Short: "Render a fleet repo to Kubernetes objects",
		Long:  renderDoc,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.path = pathArg(args)
			return runRender(cmd.Context(), streams, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.output, "output", "o", "yaml", "output format: yaml or json")
	cmd.Flags().StringVar(&opts.outDir, "out", "", "write one file per object into this directory")
	cmd.Flags().StringVar(&opts.dryRun, "dry-run", "none", `"client" (or no value): write nothing, contact no cluster; "server": ask the cluster what apply would do`)
	cmd.Flags().StringVar(&opts.kubeconfig, "kubeconfig", "", "with --dry-run=server: kubeconfig of the garden cluster (default: $KUBECONFIG, in-cluster, ~/.kube/config)")
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "client"
	addAdmissionFlags(cmd, &opts.admissionOptions)
	addTimeoutFlag(cmd, &opts.timeout)
	addEvalMemoryFlag(cmd, &opts.memory)
	return cmd
}

func pathArg(args []string) string {
	if len(args) == 0 {
		return "."
	}
	return args[0]
}

func runRender(ctx context.Context, streams Streams, opts *renderOptions) error {
	if opts.output != "yaml" && opts.output != "json" {
		return fmt.Errorf("unknown output format %q: use yaml or json", opts.output)
	}
	switch opts.dryRun {
	case "none", "client", "server":
	default:
		return fmt.Errorf("unknown --dry-run value %q: use client or server", opts.dryRun)
	}
	if opts.dryRun != "none" && opts.outDir != "" {
		return errors.New("--out writes files; it cannot be combined with --dry-run")
	}
	adm, err := opts.admission()
	if err != nil {
		return err
	}
	var garden client.Client
	if opts.dryRun == "server" {
		// Gardener's checks judge against the garden the dry run asks.
		if garden, _, err = kubeClient(opts.kubeconfig, defaultClientLimits()); err != nil {
			return err
		}
		if err := addLiveGarden(ctx, garden, adm); err != nil {
			return fmt.Errorf("read the garden's CloudProfiles: %w", err)
		}
	}
	_, res, notes, err := loadAndRenderBounded(ctx, opts.path, opts.timeout, opts.memory, adm)
	if err != nil {
		return err
	}
	printNotes(streams, notes)
	if garden != nil {
		_, err := bounded(ctx, opts.path, "in the server-side dry run", opts.timeout, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, dryRunServer(ctx, streams, garden, res.Objects)
		})
		return err
	}
	if opts.outDir != "" {
		return writeOut(opts.outDir, res)
	}
	if opts.output == "json" {
		return render.EncodeJSON(streams.Out, res.Objects)
	}
	return render.EncodeYAML(streams.Out, res.Objects)
}

// dryRunServer prints what applying objs would do to the cluster, one
// object per line; objects the API server refuses make it fail.
func dryRunServer(ctx context.Context, streams Streams, c client.Client, objs []*unstructured.Unstructured) error {
	owner := reconciler.DefaultOnceOptions().Owner
	cs, err := clusters.NewManager(c, owner).DryRun(ctx, clusters.Whole(objs...), clusters.DefaultDryRunOptions())
	if len(cs.Entries) > 0 {
		fmt.Fprintln(streams.Out, cs.String())
	}
	if err != nil {
		return failure(fmt.Errorf("server-side dry run: %w", err))
	}
	fmt.Fprintln(streams.Err, cs.Summary())
	return nil
}

// writeOut writes res into dir (out.Write); an object whose name cannot
// be a file name fails the fleet (exit 1).
func writeOut(dir string, res *render.Result) error {
	err := out.Write(dir, res)
	var nameErr *out.NameError
	if errors.As(err, &nameErr) {
		return failure(err)
	}
	return err
}
