package render

import (
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet"
)

func exampleFleetForTest(t *testing.T) *fleet.Fleet {
	t.Helper()
	f, err := fleet.Load("../examples/fleet")
	if err != nil {
		t.Fatal(fleet.Details(err, "../examples/fleet"))
	}
	return f
}
