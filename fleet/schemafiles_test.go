package fleet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// copyDir copies the files of a fleet repo into a new directory.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// cueVet is `cue vet -c` with cuelang.org/go's API: the package at dir's
// root, as an editor or cue vet on the repo sees it.
func cueVet(t *testing.T, dir string) error {
	t.Helper()
	insts := load.Instances([]string{"."}, &load.Config{Dir: dir})
	if err := insts[0].Err; err != nil {
		return err
	}
	v := cuecontext.New().BuildInstance(insts[0])
	if err := v.Err(); err != nil {
		return err
	}
	return v.Validate(cue.Concrete(true))
}

// After `gardenfleet schema`, the repo is a CUE module whose package holds
// the schema: cue vet checks what gardenfleet checks, and gardenfleet
// still loads the repo as before.
func TestWriteSchema(t *testing.T) {
	t.Parallel()
	dir := copyDir(t, "../examples/fleet")
	before, err := fleet.Load(dir)
	if err != nil {
		t.Fatal(fleet.Details(err, dir))
	}
	written, err := fleet.WriteSchema(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) < 2 || written[0] != "cue.mod/module.cue" {
		t.Fatalf("written %v, want cue.mod/module.cue and the schema files", written)
	}
	if err := cueVet(t, dir); err != nil {
		t.Fatalf("cue vet after gardenfleet schema: %v", err)
	}
	after, err := fleet.Load(dir)
	if err != nil {
		t.Fatal(fleet.Details(err, dir))
	}
	if diff := cmp.Diff(len(before.Shoots), len(after.Shoots)); diff != "" {
		t.Errorf("shoots (-before +after):\n%s", diff)
	}
	// Written again (a newer gardenfleet, say): the old copies go.
	if _, err := fleet.WriteSchema(dir); err != nil {
		t.Fatal(err)
	}

	// cue vet refuses what gardenfleet refuses, in the user's file.
	bad := `package fleet

shoots: extra: {project: "platform", shoot: spec: controlPlane: highAvailability: failureTolerance: typ: "zone"}
`
	if err := os.WriteFile(filepath.Join(dir, "bad.cue"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	err = cueVet(t, dir)
	if err == nil || !strings.Contains(err.Error(), "shoots.extra.shoot.spec.controlPlane.highAvailability.failureTolerance.typ: field not allowed") {
		t.Errorf("cue vet: %v, want the unknown field", err)
	}
	_, err = fleet.Load(dir)
	want := []string{"bad.cue:3:101: shoots.extra.shoot.spec.controlPlane.highAvailability.failureTolerance.typ: field not allowed"}
	var got []string
	for _, is := range fleet.Issues(err, dir) {
		got = append(got, is.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("load (-want +got):\n%s", diff)
	}
}

// A file named like the schema that gardenfleet did not write stays the
// user's: refused by the loader, kept by WriteSchema.
func TestWriteSchemaKeepsUserFiles(t *testing.T) {
	t.Parallel()
	dir := copyDir(t, "../examples/fleet")
	name := filepath.Join(dir, "zz_gardenfleet_schema_mine.cue")
	if err := os.WriteFile(name, []byte("package fleet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := fleet.WriteSchema(dir)
	if want := "writing schema: " + name + " is not a schema copy gardenfleet wrote: rename it"; err == nil || err.Error() != want {
		t.Errorf("WriteSchema: %v, want %s", err, want)
	}
	_, err = fleet.Load(dir)
	var got []string
	for _, is := range fleet.Issues(err, dir) {
		got = append(got, is.String())
	}
	want := []string{"zz_gardenfleet_schema_mine.cue:1:1: file names starting with zz_gardenfleet_schema_ are reserved for gardenfleet's schema: rename the file"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("load (-want +got):\n%s", diff)
	}
}
