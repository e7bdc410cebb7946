package cli

import (
	"strings"
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
)

// `gardenfleet schema` writes a layout the loader accepts: the repo still
// validates after it.
func TestSchemaCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"ok/fleet.cue":            smallFleet,
		"ok/" + smallCloudProfile: hostile.ValidCloudProfile,
	})
	r := runCLI(t, dir, "schema", "ok")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "wrote cue.mod/module.cue\nwrote zz_gardenfleet_schema_") {
		t.Fatalf("schema: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, dir, "validate", "ok"); r.code != 0 {
		t.Errorf("validate after schema: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, dir, "schema", "missing")
	if want := "error: writing schema: stat missing: no such file or directory\n"; r.code != 2 || r.stderr != want {
		t.Errorf("schema into a missing directory: exit %d, stderr %q; want 2, %q", r.code, r.stderr, want)
	}
}
