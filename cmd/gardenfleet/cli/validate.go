package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
)

const validateDoc = `Check a fleet repo against the schema and every rule.

Then every Shoot and Project it renders (after the kustomize overlay) goes
through what gardener-apiserver runs on a create, with Gardener's own code:
defaults, the ShootMutator and ShootValidator admission plugins and
ValidateShoot (ValidateProject). CloudProfiles come from the repo's
cloudprofiles/ directory and --cloudprofile files; the checks that need one
it lacks are skipped, and a note on stderr says so. --feature-gates sets
Gardener's feature gates (default: Gardener's defaults).

Prints every problem at once, each as file:line:col: path: message, and exits
1 when there is any; exits 0 with a summary when the fleet is valid. A fleet
that takes longer than --timeout or more memory than --eval-memory to
evaluate, or renders more than 50,000 objects or 64 MiB, is refused (exit 1);
Ctrl-C stops at once (exit 2).

Examples:
  gardenfleet validate examples/fleet`

type validateOptions struct {
	admissionOptions
	path    string
	timeout time.Duration
	memory  int64
}

func newValidateCmd(streams Streams) *cobra.Command {
	opts := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate [PATH]",
		Short: "Check a fleet repo without rendering it anywhere",
		Long:  validateDoc,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.path = pathArg(args)
			return runValidate(cmd.Context(), streams, opts)
		},
	}
	addAdmissionFlags(cmd, &opts.admissionOptions)
	addTimeoutFlag(cmd, &opts.timeout)
	addEvalMemoryFlag(cmd, &opts.memory)
	return cmd
}

// runValidate takes the fleet's summary, or its issues, from the child that
// evaluated it: the fleet is evaluated once, in the child.
func runValidate(ctx context.Context, streams Streams, opts *validateOptions) error {
	adm, err := opts.admission()
	if err != nil {
		return err
	}
	sum, err := bounded(ctx, opts.path, "evaluating the fleet", opts.timeout, func(ctx context.Context) (boundedeval.Summary, error) {
		repo, err := boundedeval.Read(opts.path)
		if err != nil {
			return boundedeval.Summary{}, fleetFailure(opts.path, err)
		}
		sum, err := boundedeval.CheckAdmitted(ctx, repo, boundedeval.Limits{Memory: opts.memory}, adm)
		return sum, fleetFailure(opts.path, err)
	})
	if err != nil {
		return err
	}
	for _, w := range sum.Warnings {
		fmt.Fprintf(streams.Err, "warning: %s\n", w)
	}
	printNotes(streams, sum.Notes)
	fmt.Fprintf(streams.Out, "fleet is valid: %d projects, %d shoots (%d workerless), %d labs, %d objects\n",
		sum.Projects, sum.Shoots, sum.Workerless, sum.Labs, sum.Objects)
	return nil
}

// printNotes says which of Gardener's checks were skipped.
func printNotes(streams Streams, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(streams.Err, "note: %s\n", n)
	}
}
