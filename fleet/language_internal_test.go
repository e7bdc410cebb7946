package fleet

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestMinLanguageVersion pins minLanguageVersion: the schema evaluates in
// it, and not in the minor before, so the check in checkModuleFile is
// neither looser nor stricter than the schema.
func TestMinLanguageVersion(t *testing.T) {
	t.Parallel()
	load := func(version string) error {
		p := &userPackage{
			files: fstest.MapFS{
				"fleet.cue":          {Data: []byte("package fleet\n")},
				"cue.mod/module.cue": {Data: []byte("module: \"fleet.example@v0\"\nlanguage: version: \"" + version + "\"\n")},
			},
			dir:  "/fleet",
			root: map[string]bool{"fleet.cue": true},
		}
		_, err := loadPackage(p)
		return err
	}
	if err := load(minLanguageVersion); err != nil {
		t.Errorf("the schema does not evaluate in %s: %v", minLanguageVersion, err)
	}
	const before = "v0.13.0"
	err := load(before)
	if err == nil || !strings.Contains(err.Error(), "is not available in version "+before) {
		t.Errorf("the schema evaluates in %s (%v): lower minLanguageVersion", before, err)
	}
}
