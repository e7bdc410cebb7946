package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/reconciler"
	"github.com/gardenfleet/gardenfleet/render"
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

// outMarker marks a directory written by render --out, so that a later
// render may remove the files it no longer produces.
const outMarker = ".gardenfleet-render"

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

func init() { register(newRenderCmd) }

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
	cs, err := clusters.NewManager(c, owner).DryRun(ctx, objs, clusters.DefaultDryRunOptions())
	if len(cs.Entries) > 0 {
		fmt.Fprintln(streams.Out, cs.String())
	}
	if err != nil {
		return failure(fmt.Errorf("server-side dry run: %w", err))
	}
	fmt.Fprintln(streams.Err, cs.Summary())
	return nil
}

// writeOut writes one file per object and lab file into dir, and removes
// files an earlier render wrote there that this one no longer produces.
// Object names come from the fleet (an overlay can set any): each is
// checked to be a Kubernetes name before it becomes a file name, and every
// write goes through an os.Root of dir, so nothing lands outside it. A
// symlink or special file in dir is refused rather than written through.
func writeOut(dir string, res *render.Result) error {
	files, err := outFiles(res)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() && !e.IsDir() {
			return fmt.Errorf("writing %s: %s is a symlink or special file; render --out writes only regular files", dir, e.Name())
		}
	}
	if len(entries) > 0 {
		if info, err := root.Lstat(outMarker); err != nil || !info.Mode().IsRegular() {
			return fmt.Errorf("writing %s: directory is not empty and was not written by gardenfleet render", dir)
		}
		for _, e := range entries {
			if _, keep := files[e.Name()]; !keep && e.Type().IsRegular() && e.Name() != outMarker && strings.HasSuffix(e.Name(), ".yaml") {
				if err := root.Remove(e.Name()); err != nil {
					return fmt.Errorf("removing stale %s: %w", e.Name(), err)
				}
			}
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := root.WriteFile(name, files[name], 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return root.WriteFile(outMarker, []byte("files in this directory are written by gardenfleet render --out\n"), 0o644)
}

// maxFileName is the longest file name (in bytes) common file systems take.
const maxFileName = 255

// outFiles encodes each object for writeOut, by file name. An object whose
// kind, namespace or name is not a Kubernetes name is refused (exit 1).
func outFiles(res *render.Result) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, o := range res.Objects {
		if err := render.CheckObjectName(o); err != nil {
			return nil, failure(fmt.Errorf("render --out: %s: %w", describe(o), err))
		}
		name := render.FileName(o)
		if len(name) > maxFileName {
			return nil, failure(fmt.Errorf("render --out: %s: file name %s is longer than %d bytes", describe(o), name, maxFileName))
		}
		var b bytes.Buffer
		if err := render.EncodeYAML(&b, []*unstructured.Unstructured{o}); err != nil {
			return nil, err
		}
		files[name] = b.Bytes()
	}
	for name, content := range res.Files {
		// Lab names are restricted by the schema; this is the backstop.
		if !filepath.IsLocal(name) || filepath.Base(name) != name || len(name) > maxFileName {
			return nil, failure(fmt.Errorf("render --out: lab file %q is not a plain file name", name))
		}
		files[name] = content
	}
	return files, nil
}

// describe names an object for messages, quoting what the fleet chose.
func describe(o *unstructured.Unstructured) string {
	kind := o.GetKind()
	if len(validation.IsDNS1123Label(strings.ToLower(kind))) > 0 {
		kind = fmt.Sprintf("object of kind %q", kind)
	}
	if ns := o.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %q in namespace %q", kind, o.GetName(), ns)
	}
	return fmt.Sprintf("%s %q", kind, o.GetName())
}
