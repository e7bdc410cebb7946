// Package cli implements the gardenfleet command line. Each subcommand maps its
// flags onto library calls; no logic of its own lives here.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes shared by all subcommands.
const (
	ExitOK      = 0
	ExitFailure = 1 // invalid fleet, refused or failed apply, changes found with --exit-code
	ExitUsage   = 2 // bad flags, unreadable files, other I/O errors
)

// Streams are the standard streams a command reads and writes.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// ExitError carries an exit code through cobra; Main prints its error once.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// failure marks err as a failure of the input (exit 1) rather than of usage or I/O.
func failure(err error) error { return &ExitError{Code: ExitFailure, Err: err} }

// Main runs the command line with the process's arguments and streams and
// returns the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal a second one kills the process, as if gardenfleet
	// had not caught any.
	go func() {
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, os.Args[1:], Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
}

// Run executes one command line and returns its exit code. It is the
// testable entry point: errors are printed once, to streams.Err.
func Run(ctx context.Context, args []string, streams Streams) (code int) {
	// The last resort for a panic outside bounded (which names the fleet):
	// a bug, reported on the command line that triggered it.
	defer func() {
		if p := recover(); p != nil {
			code = report(streams, internalError("gardenfleet "+strings.Join(args, " "), p))
		}
	}()
	root := newRootCmd(streams)
	root.SetArgs(args)
	return report(streams, root.ExecuteContext(ctx))
}

// report prints err once and returns its exit code.
func report(streams Streams, err error) int {
	if err == nil {
		return ExitOK
	}
	var exitErr *ExitError
	if errors.As(err, &exitErr) {
		if exitErr.Err != nil && exitErr.Err.Error() != "" {
			fmt.Fprintln(streams.Err, exitErr.Err.Error())
		}
		return exitErr.Code
	}
	fmt.Fprintf(streams.Err, "error: %v\n", err)
	return ExitUsage
}

func newRootCmd(streams Streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "gardenfleet",
		Short:         "GitOps reconciler for Gardener and metal-stack fleets",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints the line of `gardenfleet version`.
		Version: versionLine(debug.ReadBuildInfo()),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	root.AddCommand(
		newPlanCmd(streams),
		newReconcileCmd(streams),
		newRenderCmd(streams),
		newSchemaCmd(streams),
		newServeCmd(streams),
		newUpgradePathCmd(streams),
		newValidateCmd(streams),
		newVersionCmd(streams),
	)
	return root
}
