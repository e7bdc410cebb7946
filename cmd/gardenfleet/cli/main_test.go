package cli

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript files run `gardenfleet` in-process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"gardenfleet": func() {
			os.Exit(Run(context.Background(), os.Args[1:], Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
		},
	})
}
