package fleet

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue/load"
	"github.com/google/go-cmp/cmp"
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

func overlayOf(t *testing.T, dir string, files map[string]string) map[string]load.Source {
	t.Helper()
	out := map[string]load.Source{}
	for name, src := range files {
		out[filepath.Join(dir, name)] = load.FromString(src)
	}
	return out
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
			dir := t.TempDir()
			overlay := overlayOf(t, dir, map[string]string{"base.cue": chunkBase, "case.cue": "package fleet\n\n" + src})
			lean, ok := exportChecked(dir, overlay)
			if !ok {
				t.Fatal("exportChecked refused a valid fleet")
			}
			whole, errs, err := exportWhole(dir, overlay)
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
			dir := t.TempDir()
			overlay := overlayOf(t, dir, map[string]string{"base.cue": chunkBase, "case.cue": "package fleet\n\n" + src})
			if _, ok := exportChecked(dir, overlay); ok {
				t.Error("exportChecked accepted it")
			}
		})
	}
}
