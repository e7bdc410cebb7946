package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gardenfleet/gardenfleet/fleet"
)

const validateDoc = `Check a fleet repo against the schema and every rule.

Prints every problem at once, each as file:line:col: path: message, and exits
1 when there is any; exits 0 with a summary when the fleet is valid. A fleet
that takes longer than --timeout to evaluate is refused (exit 1); Ctrl-C
stops at once (exit 2).

Examples:
  gardenfleet validate examples/fleet`

type validateOptions struct {
	path    string
	timeout time.Duration
}

func init() { register(newValidateCmd) }

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
	addTimeoutFlag(cmd, &opts.timeout)
	return cmd
}

func runValidate(ctx context.Context, streams Streams, opts *validateOptions) error {
	f, res, err := loadAndRenderBounded(ctx, opts.path, opts.timeout)
	if err != nil {
		return err
	}
	workerless := 0
	for i := range f.Shoots {
		if f.Shoots[i].Workerless() {
			workerless++
		}
	}
	if f.Warnings != nil {
		for _, is := range fleet.Issues(f.Warnings, ".") {
			fmt.Fprintf(streams.Err, "warning: %s\n", is)
		}
	}
	fmt.Fprintf(streams.Out, "fleet is valid: %d projects, %d shoots (%d workerless), %d labs, %d objects\n",
		len(f.Projects), len(f.Shoots), workerless, len(f.Labs), len(res.Objects))
	return nil
}
