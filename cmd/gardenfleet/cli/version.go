package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(streams Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gardenfleet's version, commit and Go version",
		Long: `Print gardenfleet's version, commit and Go version (the same line as --version).

The version is the module's: the release tag for a binary of
"go install github.com/gardenfleet/gardenfleet/cmd/gardenfleet@VERSION",
(devel) for one built in a checkout. The commit is printed when the build
recorded it (go build in a Git checkout without -buildvcs=false), with
-dirty when the checkout had uncommitted changes.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(streams.Out, versionLine(debug.ReadBuildInfo()))
			return err
		},
	}
}

// versionLine is the one line `gardenfleet version` and `--version` print:
//
//	gardenfleet VERSION [commit REVISION[-dirty]] GOVERSION OS/ARCH
func versionLine(info *debug.BuildInfo, ok bool) string {
	version, goVersion := "(unknown)", runtime.Version()
	var revision string
	if ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if revision != "" && dirty {
			revision += "-dirty"
		}
	}
	line := "gardenfleet " + version
	if revision != "" {
		line += " commit " + revision
	}
	return line + " " + goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
}
