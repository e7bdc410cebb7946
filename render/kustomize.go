package render

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// renderedFile is the name under which the rendered objects are handed to
// kustomize as a resource of the overlay.
const renderedFile = "zz-gardenfleet-rendered.yaml"

// OverlayError is a kustomize overlay the fleet cannot use.
type OverlayError struct {
	File string // relative to the fleet repo
	Err  error
}

func (e *OverlayError) Error() string { return fmt.Sprintf("%s: %v", e.File, e.Err) }
func (e *OverlayError) Unwrap() error { return e.Err }

var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// applyOverlay runs the fleet's kustomization over the rendered objects, on
// an in-memory filesystem holding only the overlay's own files: kustomize
// can reach nothing else, and remote bases are refused before it runs.
func applyOverlay(objs []*unstructured.Unstructured, o *fleet.Overlay) ([]*unstructured.Unstructured, error) {
	name := ""
	for _, n := range kustomizationNames {
		if _, ok := o.Files[n]; ok {
			name = n
			break
		}
	}
	file := path.Join(fleet.OverlayDir, name)
	if name == "" {
		return nil, &OverlayError{File: fleet.OverlayDir, Err: errors.New("no kustomization.yaml in the overlay directory")}
	}
	var k map[string]any
	if err := yaml.Unmarshal(o.Files[name], &k); err != nil {
		return nil, &OverlayError{File: file, Err: err}
	}
	if k == nil {
		k = map[string]any{}
	}
	resources := []any{renderedFile}
	for _, field := range []string{"resources", "bases", "components"} {
		list, _ := k[field].([]any)
		for _, entry := range list {
			s, _ := entry.(string)
			if isRemote(s) {
				return nil, &OverlayError{File: file, Err: fmt.Errorf("%s: remote base %q refused: an overlay may only use files of the fleet repo", field, s)}
			}
		}
		if field == "resources" {
			resources = append(resources, list...)
		}
	}
	k["resources"] = resources

	fs := filesys.MakeFsInMemory()
	const root = "/overlay"
	for rel, content := range o.Files {
		if err := writeFile(fs, path.Join(root, rel), content); err != nil {
			return nil, err
		}
	}
	kb, err := yaml.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("encoding kustomization: %w", err)
	}
	if err := writeFile(fs, path.Join(root, name), kb); err != nil {
		return nil, err
	}
	var rendered strings.Builder
	if err := EncodeYAML(&rendered, objs); err != nil {
		return nil, err
	}
	if err := writeFile(fs, path.Join(root, renderedFile), []byte(rendered.String())); err != nil {
		return nil, err
	}
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, root)
	if err != nil {
		return nil, &OverlayError{File: file, Err: err}
	}
	out := make([]*unstructured.Unstructured, 0, resMap.Size())
	for _, r := range resMap.Resources() {
		m, err := r.Map()
		if err != nil {
			return nil, &OverlayError{File: file, Err: err}
		}
		out = append(out, &unstructured.Unstructured{Object: normalizeNumbers(m).(map[string]any)})
	}
	return out, nil
}

func writeFile(fs filesys.FileSystem, p string, content []byte) error {
	if err := fs.MkdirAll(path.Dir(p)); err != nil {
		return fmt.Errorf("preparing overlay: %w", err)
	}
	if err := fs.WriteFile(p, content); err != nil {
		return fmt.Errorf("preparing overlay: %w", err)
	}
	return nil
}

// isRemote tells URLs and go-getter style references from local paths.
func isRemote(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@") ||
		strings.HasPrefix(s, "github.com/") || strings.HasPrefix(s, "gitlab.com/") ||
		strings.Contains(s, "?ref=") || strings.Contains(s, ".git//")
}

// normalizeNumbers turns kustomize's ints into int64 as unstructured expects.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
		return x
	case int:
		return int64(x)
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
	}
	return v
}
