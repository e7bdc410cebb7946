package bounded

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// TestMain lets Check run this test binary as its child.
func TestMain(m *testing.M) {
	Main()
	if os.Getenv(envOrphanParent) == "1" {
		orphanParent()
	}
	os.Exit(m.Run())
}

const okFleet = hostile.Valid

func repoOf(t *testing.T, src string) *snapshot.Repo {
	t.Helper()
	r := snapshot.New("fleet")
	if err := r.AddFile("fleet.cue", []byte(src)); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCheck runs each hostile fleet in the child and gets the limit it
// passes as a clear error.
func TestCheck(t *testing.T) {
	t.Parallel()
	// Only the time case has a short time limit: the others must be stopped
	// by their own limit however loaded the machine is (5 minutes is a
	// hang guard, not a bound under test).
	limits := Limits{Time: 5 * time.Minute, Memory: 256 << 20, Objects: 100, OutputBytes: 1 << 20}
	tests := []struct {
		name    string
		src     string
		want    Summary
		wantErr string
	}{
		{name: "valid", src: okFleet, want: Summary{Projects: 1, Shoots: 1, Workerless: 1, Objects: 2}},
		{
			name:    "invalid",
			src:     strings.Replace(okFleet, `project:      "a"`, `project:      "b"`, 1),
			wantErr: "fleet is invalid: 1 error:\nfleet/fleet.cue:5:16: shoots.cp.project: project \"b\" is not declared in projects",
		},
		{name: "time", src: hostile.Slow, wantErr: "evaluating the fleet took longer than 3s"},
		{name: "terabyte", src: hostile.Terabyte, wantErr: "evaluating the fleet needed more than 256 MiB of memory"},
		{name: "gigabyte", src: hostile.Gigabyte, wantErr: "evaluating the fleet needed more than 256 MiB of memory"},
		{name: "objects", src: hostile.Wide(150, 1), wantErr: "the fleet renders more than 100 objects"},
		{name: "output", src: hostile.Wide(20, 100000), wantErr: "the objects the fleet renders take more than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			limits := limits
			if tt.name == "time" {
				limits.Time = 3 * time.Second
			}
			got, err := Check(context.Background(), repoOf(t, tt.src), limits)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("summary (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Check: %v\nwant %s", err, tt.wantErr)
			}
		})
	}
}

// TestCheckKinds: the failures are typed, so the daemon can tell a verdict
// on the fleet from a failure to run the child.
func TestCheckKinds(t *testing.T) {
	limits := Limits{Time: 3 * time.Second, Memory: 256 << 20}
	_, err := Check(context.Background(), repoOf(t, hostile.Terabyte), limits)
	var limitErr *LimitError
	if !errors.As(err, &limitErr) || limitErr.Kind != KindMemory {
		t.Errorf("terabyte: %#v, want a memory *LimitError", err)
	}
	_, err = Check(context.Background(), repoOf(t, strings.Replace(okFleet, `project:      "a"`, `project:      "b"`, 1)), limits)
	var invalid *InvalidError
	if !errors.As(err, &invalid) || len(invalid.Issues) != 1 || invalid.Issues[0].File != "fleet.cue" {
		t.Errorf("invalid: %#v, want an *InvalidError with one issue in fleet.cue", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Check(ctx, repoOf(t, okFleet), limits)
	if want := "evaluating the fleet: context canceled"; err == nil || err.Error() != want || errors.As(err, &limitErr) {
		t.Errorf("cancelled: %v, want %q and no verdict", err, want)
	}
}
