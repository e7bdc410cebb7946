package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/gardenfleet/gardenfleet/"

// TestImportRules checks each package's transitive imports against what its
// doc.go says it must not import.
func TestImportRules(t *testing.T) {
	t.Parallel()
	clusterClients := []string{"k8s.io/client-go/", "sigs.k8s.io/controller-runtime", module + "clusters"}
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		// The API is imported by its clients, never the reverse.
		{"api/v1alpha1", []string{module}},
		{"schema", []string{module + "fleet", module + "render"}},
		{"snapshot", []string{module, "k8s.io/", "cuelang.org/"}},
		{"fleet", append([]string{module + "render", module + "reconciler"}, clusterClients...)},
		{"render", append([]string{module + "reconciler"}, clusterClients...)},
		// render --out's writer writes files, and nothing else.
		{"render/out", append([]string{module + "reconciler"}, clusterClients...)},
		{"reconciler/planner", append([]string{module + "fleet", module + "render", module + "reconciler/source", "k8s.io/apimachinery"}, clusterClients...)},
		{"reconciler/preview", append([]string{module + "reconciler/source"}, clusterClients...)},
		{"reconciler/source", []string{module + "clusters", module + "render", module + "fleet", "k8s.io/"}},
		{"clusters", []string{module + "fleet", module + "render", module + "reconciler"}},
		{"clusters/inventory", clusterClients},
		// The planner uses keep, and must not import apimachinery.
		{"gardener/keep", []string{module, "k8s.io/"}},
		{"gardener/shoot", append([]string{module}, clusterClients...)},
		// metal-stack's checks serve the offline admission and the test garden's webhook
		// alike; metal-stack's helper package links client-go itself.
		{"gardener/metal", []string{module}},
		{"gardener/expiry", append([]string{module + "reconciler", module + "fleet", module + "render"}, clusterClients...)},
		// admission judges objects, whatever made them.
		{"admission", []string{module + "fleet", module + "render", module + "reconciler", module + "clusters"}},
		// The dashboard shows what the reconciler recorded, never what a fleet renders.
		{"dashboard", []string{module + "fleet", module + "render", module + "reconciler/source", module + "clusters"}},
		// The fleet model stays free of Gardener's code.
		{"fleet", []string{"github.com/gardener/", module + "admission"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+tt.pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if dep == module+tt.pkg {
					continue
				}
				for _, f := range tt.forbidden {
					if dep == f || strings.HasPrefix(dep, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(dep[len(f):], "/")) {
						t.Errorf("%s imports %s (forbidden: %s)", tt.pkg, dep, f)
					}
				}
			}
		})
	}
}
