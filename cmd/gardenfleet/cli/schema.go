package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gardenfleet/gardenfleet/fleet"
)

const schemaDoc = `Write the fleet language's schema into a fleet repo for editors.

Writes the schema gardenfleet checks fleets against as files of the repo's
package (zz_gardenfleet_schema_*.cue, Gardener's ShootSpec included) and,
when the repo has none, a cue.mod/module.cue without dependencies: then
cue vet and CUE's language server check what gardenfleet checks. gardenfleet
itself ignores these copies and uses its own schema; run it again after
upgrading gardenfleet. Exits 2 when a file cannot be written.

Examples:
  gardenfleet schema examples/fleet
  cue vet -c ./examples/fleet`

func newSchemaCmd(streams Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema [PATH]",
		Short: "Write the schema into a fleet repo for cue vet and editors",
		Long:  schemaDoc,
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			written, err := fleet.WriteSchema(pathArg(args))
			if err != nil {
				return err
			}
			for _, name := range written {
				fmt.Fprintln(streams.Out, "wrote", name)
			}
			return nil
		},
	}
}
