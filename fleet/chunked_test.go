package fleet

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/snapshot"
)

const chunkBase = `package fleet

defaults: {
	cloudProfile:       "metal"
	region:             "local"
	credentialsBinding: "creds"
	kubernetes: version: "1.36.2"
	provider: metal: {partition: "mini-lab", project: "p-1", tenant: "t-1", firewall: networks: ["internet"]}
	pool: machine: "v1-small-x86"
}
projects: a: {}
environments: dev: hibernation: windows: [{days: "weekends"}]
`

func packageOf(t *testing.T, dir string, files map[string]string) *userPackage {
	t.Helper()
	r := snapshot.New(dir)
	for name, src := range files {
		if err := r.AddFile(name, []byte(src)); err != nil {
			t.Fatal(err)
		}
	}
	p, err := newUserPackage(r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// manyShoots is a fleet with more shoots than one chunk holds.
func manyShoots(n int) string {
	var b strings.Builder
	b.WriteString("package fleet\n\nshoots: {\n")
	for i := range n {
		fmt.Fprintf(&b, "\t\"s%04d\": {project: \"a\", environment: \"dev\", pools: p: maximum: %d}\n", i, i%7+1)
	}
	b.WriteString("}\n")
	return b.String()
}

// TestExportCheckedEqualsWhole: for valid fleets the lean path must give
// exactly the document that evaluating everything at once gives.
func TestExportCheckedEqualsWhole(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"no shoots":       ``,
		"one shoot":       `shoots: s: {project: "a", pools: p: {}}`,
		"many chunks":     strings.TrimPrefix(manyShoots(3*shootsPerChunk+1), "package fleet\n\n"),
		"schema default":  `shoots: s: {project: "a", pools: p: {}, cloudProfile: name: "x"}`,
		"uses #Shoot":     `shoots: s: #Shoot & {project: "a", pools: p: {}}`,
		"own definitions": `#Mine: {project: "a", pools: p: {}}` + "\n" + `shoots: s: #Mine`,
		"comprehension": `shoots: {for i in [1, 2, 3] {
	"gen-\(i)": {project: "a", pools: p: maximum: i}
}}`,
		"labs and waves": `labs: l: nodes: a: kind: "linux"
waves: [{name: "canary"}]`,
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := packageOf(t, dir, map[string]string{"base.cue": chunkBase, "case.cue": "package fleet\n\n" + src})
			lean, ok, _ := exportChecked(p)
			if !ok {
				t.Fatal("exportChecked refused a valid fleet")
			}
			whole, errs, err := exportWhole(p, nil)
			if err != nil || errs != nil {
				t.Fatalf("exportWhole: %v %v", err, errs)
			}
			if diff := cmp.Diff(whole, lean); diff != "" {
				t.Errorf("documents differ (-whole +lean):\n%s", diff)
			}
		})
	}
}

// TestExportCheckedRefuses: whatever the lean path cannot prove equal to the
// whole evaluation goes to the whole evaluation.
func TestExportCheckedRefuses(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"field not in the schema":            `shoots: s: {project: "a", pools: p: {}, colour: "blue"}`,
		"shoot name too long":                `shoots: "a-shoot-name-far-too-long": {project: "a", pools: p: {}}`,
		"bad version":                        `shoots: s: {project: "a", pools: p: {}, kubernetes: version: "1.36"}`,
		"bad value in defaults":              `defaults: purpose: "fun"`,
		"a user default the schema rejects":  `shoots: s: {project: "a", pools: p: {}, purpose: *"staging" | "production"}`,
		"a policy added to a definition":     `#Shoot: purpose: "production"` + "\n" + `shoots: s: {project: "a", pools: p: {}}`,
		"a nested field named as definition": `_x: {#Settings: {}}`,
		"unknown top-level field":            `shots: {}`,
		"incomplete":                         `shoots: s: {project: "a", pools: p: {}, region: string}`,
		"a late pool among many shoots":      strings.TrimPrefix(manyShoots(2*shootsPerChunk), "package fleet\n\n") + "\n" + `shoots: s0499: pools: "averyveryverylongpool": {}`,
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := packageOf(t, dir, map[string]string{"base.cue": chunkBase, "case.cue": "package fleet\n\n" + src})
			if _, ok, _ := exportChecked(p); ok {
				t.Error("exportChecked accepted it")
			}
		})
	}
}

// Errors among many shoots are looked for with the schema on the shoots of
// the failed chunks only, and found exactly as a whole evaluation finds them.
func TestErrorsAmongManyShoots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := manyShoots(3*shootsPerChunk) + `
shoots: s0300: kubernetes: version: "1.36"
shoots: s0301: colour: "blue"
`
	p := packageOf(t, dir, map[string]string{"base.cue": chunkBase, "shoots.cue": src})

	_, ok, suspects := exportChecked(p)
	if ok {
		t.Fatal("exportChecked accepted invalid shoots")
	}
	if len(suspects) != shootsPerChunk || !slices.Contains(suspects, "s0300") || !slices.Contains(suspects, "s0301") {
		t.Fatalf("suspects: %d shoots, want the %d of the chunk with s0300 and s0301", len(suspects), shootsPerChunk)
	}
	_, _, narrowed := exportWhole(p, suspects)
	_, _, whole := exportWhole(p, nil)
	if narrowed == nil || whole == nil {
		t.Fatalf("errors: narrowed %v, whole %v", narrowed, whole)
	}
	if diff := cmp.Diff(Issues(whole, dir), Issues(narrowed, dir)); diff != "" {
		t.Errorf("issues (-whole +narrowed):\n%s", diff)
	}
	_, err := LoadSource(dir, map[string][]byte{"base.cue": []byte(chunkBase), "shoots.cue": []byte(src)})
	if diff := cmp.Diff(Issues(whole, dir), Issues(err, dir)); diff != "" {
		t.Errorf("LoadSource issues (-whole +got):\n%s", diff)
	}
	for _, is := range Issues(err, dir) {
		t.Log(is)
	}
}

func TestShootsCheckedOnly(t *testing.T) {
	t.Parallel()
	src, ok := shootsCheckedOnly([]string{"a", "with-dash", "Bad Name"})
	if !ok {
		t.Fatal("the schema's shoots file has no [#ShootName]: #Shoot line")
	}
	for _, want := range []string{"\t\"a\"?: #Shoot\n", "\t\"with-dash\"?: #Shoot\n", "\t\"Bad Name\"?: #Shoot\n", "[N=!~#shootNamePattern]"} {
		if !strings.Contains(src, want) {
			t.Errorf("missing %q in:\n%s", want, src)
		}
	}
	if shootConstraint.MatchString(src) {
		t.Errorf("#Shoot still applies to every name:\n%s", src)
	}
}
