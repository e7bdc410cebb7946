package render_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

// readmeExample marks a README example: the next cue block is a whole fleet,
// and the yaml block after it is the given field of the given object as
// that fleet renders it.
var readmeExample = regexp.MustCompile("(?s)<!-- example: (\\S+) renders (\\S+)/(\\S+) (\\S+) -->\\s*```cue\\n(.*?)```\\s*```yaml\\n(.*?)```")

// TestReadmeExamples renders every marked example of the README, so what
// the README says of inheritance and hibernation is what gardenfleet does.
func TestReadmeExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := readmeExample.FindAllStringSubmatch(string(readme), -1)
	if len(examples) < 4 {
		t.Fatalf("found %d marked examples in the README, want at least 4", len(examples))
	}
	for _, ex := range examples {
		name, kind, objName, field, src, want := ex[1], ex[2], ex[3], ex[4], ex[5], ex[6]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			f, err := fleet.LoadSource(dir, map[string][]byte{"fleet.cue": []byte(src)})
			if err != nil {
				t.Fatalf("the example does not load:\n%s", fleet.Details(err, dir))
			}
			res, err := render.Fleet(f)
			if err != nil {
				t.Fatal(err)
			}
			var obj *unstructured.Unstructured
			for _, o := range res.Objects {
				if o.GetKind() == kind && o.GetName() == objName {
					obj = o
				}
			}
			if obj == nil {
				t.Fatalf("no %s %s rendered", kind, objName)
			}
			path := strings.Split(field, ".")
			v, ok, err := unstructured.NestedFieldNoCopy(obj.Object, path...)
			if err != nil || !ok {
				t.Fatalf("%s of %s %s: not set (%v)", field, kind, objName, err)
			}
			got, err := yaml.Marshal(map[string]any{path[len(path)-1]: v})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("README example %s renders %s as\n%s\nthe README says\n%s", name, field, got, want)
			}
		})
	}
}
