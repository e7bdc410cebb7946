package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
)

const victim = "outside render --out: must stay as it is\n"

// outWorld is a fleet next to a folder x, outside the output directory
// out, holding a victim file.
func outWorld(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"fleet/fleet.cue": smallFleet, "fleet/" + smallCloudProfile: hostile.ValidCloudProfile, "x/victim.yaml": victim})
	return dir
}

func checkVictim(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("x holds %d files, want only victim.yaml", len(entries))
	}
	b, err := os.ReadFile(filepath.Join(dir, "x/victim.yaml"))
	if err != nil || string(b) != victim {
		t.Errorf("x/victim.yaml was changed: %q, %v", b, err)
	}
}

// TestRenderOutNames: names and namespaces an overlay sets become file names
// only when they are Kubernetes names; anything else is refused (exit 1) by
// render itself, as validate and plan refuse it, and nothing is written.
func TestRenderOutNames(t *testing.T) {
	t.Parallel()
	const subdomain = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	const label = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	long := strings.Repeat("a", 300)
	// A valid name of 251 characters whose file name is too long: not a
	// Shoot's (Gardener admits no such name), a ConfigMap's the overlay adds.
	longValid := strings.Repeat(strings.Repeat("a", 62)+".", 3) + strings.Repeat("a", 62)
	tests := []struct {
		name       string
		field      string
		value      string // {dir} is the test's directory
		resource   string // instead of the patch: a resource the overlay adds
		wantStderr string
	}{
		{
			name: "escaping name", field: "/metadata/name", value: "/../../x/victim",
			wantStderr: "fleet is invalid: 1 error:\n" + `kustomize/kustomization.yaml: Shoot "/../../x/victim" in namespace "garden-a": invalid metadata.name: ` + subdomain,
		},
		{
			name: "dot-dot name", field: "/metadata/name", value: "../../x/victim",
			wantStderr: "fleet is invalid: 1 error:\n" + `kustomize/kustomization.yaml: Shoot "../../x/victim" in namespace "garden-a": invalid metadata.name: ` + subdomain,
		},
		{
			name: "name with a slash", field: "/metadata/name", value: "x/victim",
			wantStderr: "fleet is invalid: 1 error:\n" + `kustomize/kustomization.yaml: Shoot "x/victim" in namespace "garden-a": invalid metadata.name: ` + subdomain,
		},
		{
			name: "absolute name", field: "/metadata/name", value: "{dir}/x/victim",
			wantStderr: "fleet is invalid: 1 error:\n" + `kustomize/kustomization.yaml: Shoot "{dir}/x/victim" in namespace "garden-a": invalid metadata.name: ` + subdomain,
		},
		{
			name: "escaping namespace", field: "/metadata/namespace", value: "../../x",
			wantStderr: "fleet is invalid: 1 error:\n" + `kustomize/kustomization.yaml: Shoot "cp" in namespace "../../x": invalid metadata.namespace: ` + label,
		},
		{
			name: "long name", field: "/metadata/name", value: long,
			wantStderr: "fleet is invalid: 1 error:\n" + `kustomize/kustomization.yaml: Shoot "` + long + `" in namespace "garden-a": invalid metadata.name: must be no more than 253 characters`,
		},
		{
			name:       "long file name",
			resource:   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + longValid + ", namespace: garden-a}\n",
			wantStderr: `render --out: ConfigMap "` + longValid + `" in namespace "garden-a": file name configmap_garden-a_` + longValid + `.yaml is longer than 255 bytes`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := outWorld(t)
			value := strings.ReplaceAll(tt.value, "{dir}", dir)
			// The overlay sets the shoot's name or namespace, or adds a resource.
			kustomization := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\npatches:\n" +
				"  - target: {kind: Shoot, name: cp}\n    patch: |-\n      - {op: replace, path: " + tt.field + ", value: \"" + value + "\"}\n"
			if tt.resource != "" {
				kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [extra.yaml]\n"
				writeTree(t, dir, map[string]string{"fleet/kustomize/extra.yaml": tt.resource})
			}
			writeTree(t, dir, map[string]string{"fleet/kustomize/kustomization.yaml": kustomization})
			got := runCLI(t, dir, "render", "--out", "out", "fleet")
			want := strings.ReplaceAll(tt.wantStderr, "{dir}", dir) + "\n"
			if got.code != ExitFailure || got.stderr != want {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1, stderr:\n%s", got.code, got.stderr, want)
			}
			checkVictim(t, dir)
			if _, err := os.Lstat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
				t.Errorf("out was created: %v", err)
			}
		})
	}
}

// TestRenderOutSymlinks: render --out writes nothing through a symlink that
// is already in its directory; it refuses the directory (exit 2).
func TestRenderOutSymlinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		link   string // in out
		target string // relative to out
	}{
		{name: "file it would write", link: "shoot_garden-a_cp.yaml", target: "../x/victim.yaml"},
		{name: "stale file", link: "shoot_garden-a_old.yaml", target: "../x/victim.yaml"},
		{name: "outside folder", link: "x", target: "../x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := outWorld(t)
			if got := runCLI(t, dir, "render", "--out", "out", "fleet"); got.code != ExitOK {
				t.Fatalf("first render: exit %d: %s", got.code, got.stderr)
			}
			link := filepath.Join(dir, "out", tt.link)
			if err := os.Remove(link); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if err := os.Symlink(tt.target, link); err != nil {
				t.Fatal(err)
			}
			got := runCLI(t, dir, "render", "--out", "out", "fleet")
			want := "error: writing out: " + tt.link + " is a symlink or special file; render --out writes only regular files\n"
			if got.code != ExitUsage || got.stderr != want {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2, stderr:\n%s", got.code, got.stderr, want)
			}
			checkVictim(t, dir)
			if target, err := os.Readlink(link); err != nil || target != tt.target {
				t.Errorf("the symlink was changed: %q, %v", target, err)
			}
		})
	}
}
