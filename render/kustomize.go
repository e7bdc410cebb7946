package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	kprovider "sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// renderedFile is the name under which the rendered objects are handed to
// kustomize as a resource of the overlay.
const renderedFile = "zz-gardenfleet-rendered.yaml"

// overlayRoot is where the overlay sits in kustomize's in-memory filesystem.
const overlayRoot = "/overlay"

// OverlayError is a kustomize overlay the fleet cannot use.
type OverlayError struct {
	File string // relative to the fleet repo
	Err  error
}

func (e *OverlayError) Error() string { return fmt.Sprintf("%s: %v", e.File, e.Err) }
func (e *OverlayError) Unwrap() error { return e.Err }

// Why the overlay is vetted rather than given a safe loader: krusty builds
// its own FileLoader, whose HTTP client (a zero http.Client, so
// http.DefaultTransport) and git cloner (ClonerUsingGitExec, `git` from
// PATH) are unexported and hard-wired; KustTarget, which would take another
// loader, is internal. The only state one could swap is process-wide. So
// gardenfleet decodes every kustomization of the overlay into kustomize's
// own types.Kustomization (the same strict decoding kustomize does), refuses
// the fields that load plugins or run helm, requires every path to name a
// file of the overlay, and hands kustomize only the re-encoded struct with
// each path spelled "./<path>". The loader reads a path beginning with "."
// locally whatever follows: it has no URL scheme, and kustomize's git specs
// need a scheme, "user@", or "github.com" in front. Kustomize also runs on
// an in-memory filesystem with builtin plugins only and Helm disabled.

// daemonOnly says which objects the daemon's RBAC (config/rbac) lets it
// write besides those it renders, by group; kind "*" is every kind of the
// group. An overlay producing one is refused: no fleet repo may patch a
// Fleet (its own deletion guard, another fleet's URL), take the daemon's
// leader election or forge its Events.
var daemonOnly = map[string]map[string]bool{
	"gardenfleet.dev":     {"*": true},
	"coordination.k8s.io": {"Lease": true},
	"":                    {"Event": true},
	"events.k8s.io":       {"Event": true},
}

// applyOverlay runs the fleet's kustomization over the rendered objects, on
// an in-memory filesystem holding only the overlay's own files.
func applyOverlay(objs []*unstructured.Unstructured, o *fleet.Overlay) (out []*unstructured.Unstructured, err error) {
	name := ""
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if _, ok := o.Files[n]; ok {
			name = n
			break
		}
	}
	if name == "" {
		return nil, &OverlayError{File: fleet.OverlayDir, Err: errors.New("no kustomization.yaml in the overlay directory")}
	}
	file := path.Join(fleet.OverlayDir, name)
	// Kustomize panics on some inputs (an annotation key "" among them); a
	// fleet repo must not take the process down.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &OverlayError{File: file, Err: fmt.Errorf("kustomize panicked: %v", r)}
		}
	}()
	fs, err := overlayFS(objs, o, name)
	if err != nil {
		return nil, err
	}
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	opts.PluginConfig = types.DisabledPluginConfig() // builtins only, no helm
	resMap, err := krusty.MakeKustomizer(opts).Run(fs, overlayRoot)
	if err != nil {
		return nil, &OverlayError{File: file, Err: err}
	}
	out = make([]*unstructured.Unstructured, 0, resMap.Size())
	for _, r := range resMap.Resources() {
		v, err := nodeValue(r.YNode(), 0)
		if err != nil {
			return nil, &OverlayError{File: file, Err: fmt.Errorf("reading %s %s: %w", r.GetKind(), r.GetName(), err)}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &OverlayError{File: file, Err: fmt.Errorf("kustomize produced a %T, not an object", v)}
		}
		obj := &unstructured.Unstructured{Object: m}
		if gvk := obj.GroupVersionKind(); daemonOnly[gvk.Group]["*"] || daemonOnly[gvk.Group][gvk.Kind] {
			return nil, &OverlayError{File: file, Err: fmt.Errorf("%s %s %q: %s", obj.GetAPIVersion(), obj.GetKind(), obj.GetName(), errDaemonOnly)}
		}
		out = append(out, obj)
	}
	return out, nil
}

// overlayFS builds the filesystem kustomize sees: the overlay's files, its
// kustomizations vetted and re-encoded, and the rendered objects as JSON so
// that every key reaches kustomize quoted.
func overlayFS(objs []*unstructured.Unstructured, o *fleet.Overlay, rootName string) (filesys.FileSystem, error) {
	v := newVetter(o)
	fs := filesys.MakeFsInMemory()
	names := make([]string, 0, len(o.Files))
	for rel := range o.Files {
		names = append(names, rel)
	}
	slices.Sort(names)
	for _, rel := range names {
		content := o.Files[rel]
		if slices.Contains(konfig.RecognizedKustomizationFileNames(), path.Base(rel)) {
			k, err := v.vet(path.Dir(rel), content)
			if err != nil {
				return nil, &OverlayError{File: path.Join(fleet.OverlayDir, rel), Err: err}
			}
			if rel == rootName {
				k.Resources = append([]string{"./" + renderedFile}, k.Resources...)
			}
			if content, err = json.Marshal(k); err != nil {
				return nil, fmt.Errorf("encoding %s: %w", rel, err)
			}
		}
		if err := writeFile(fs, path.Join(overlayRoot, rel), content); err != nil {
			return nil, &OverlayError{File: path.Join(fleet.OverlayDir, rel), Err: err}
		}
	}
	var rendered []byte
	for _, obj := range objs {
		b, err := json.Marshal(escapeKeys(obj.Object))
		if err != nil {
			return nil, fmt.Errorf("encoding %s %s for the overlay: %w", obj.GetKind(), obj.GetName(), err)
		}
		rendered = append(append(append(rendered, "---\n"...), b...), '\n')
	}
	if err := writeFile(fs, path.Join(overlayRoot, renderedFile), rendered); err != nil {
		return nil, err
	}
	return fs, nil
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

// vetter checks kustomizations against the overlay's files.
type vetter struct {
	files map[string][]byte
	dirs  map[string]bool
	rf    *resource.Factory
}

func newVetter(o *fleet.Overlay) *vetter {
	v := &vetter{files: o.Files, dirs: map[string]bool{".": true}, rf: kprovider.NewDefaultDepProvider().GetResourceFactory()}
	for rel := range o.Files {
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			v.dirs[d] = true
		}
	}
	return v
}

// vet decodes a kustomization in dir (relative to the overlay) and returns
// it with every path checked and rewritten; fields that load plugins or run
// programs are refused.
func (v *vetter) vet(dir string, content []byte) (*types.Kustomization, error) {
	var k types.Kustomization
	if err := k.Unmarshal(content); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		set  bool
		why  string
	}{
		{"generators", len(k.Generators) > 0, errPlugins},
		{"transformers", len(k.Transformers) > 0, errPlugins},
		{"validators", len(k.Validators) > 0, errPlugins},
		{"helmCharts", len(k.HelmCharts) > 0, errHelm},
		{"helmGlobals", k.HelmGlobals != nil, errHelm},
		{"helmChartInflationGenerator", len(k.HelmChartInflationGenerator) > 0, errHelm},
	} {
		if f.set {
			return nil, fmt.Errorf("%s: refused: %s", f.name, f.why)
		}
	}
	var errs []error
	local := func(field string, p *string) {
		clean := path.Join(dir, *p)
		_, isFile := v.files[clean]
		if path.IsAbs(*p) || !isFile && !v.dirs[clean] {
			errs = append(errs, fmt.Errorf("%s: %q refused: not a file of the overlay (an overlay may only use its own files)", field, *p))
			return
		}
		if rel := path.Clean(*p); strings.HasPrefix(rel, ".") {
			*p = rel
		} else {
			*p = "./" + rel
		}
	}
	list := func(field string, ps []string) {
		for i := range ps {
			local(fmt.Sprintf("%s[%d]", field, i), &ps[i])
		}
	}
	list("resources", k.Resources)
	list("bases", k.Bases) //nolint:staticcheck // SA1019: kustomize still reads the deprecated field, so the vetting must too
	list("components", k.Components)
	list("crds", k.Crds)
	list("configurations", k.Configurations)
	if p, ok := k.OpenAPI["path"]; ok {
		local("openapi.path", &p)
		k.OpenAPI["path"] = p
	}
	patches := func(field string, ps []types.Patch) {
		for i := range ps {
			if ps[i].Path != "" {
				local(fmt.Sprintf("%s[%d].path", field, i), &ps[i].Path)
			}
		}
	}
	patches("patches", k.Patches)
	patches("patchesJson6902", k.PatchesJson6902) //nolint:staticcheck // SA1019: kustomize still reads the deprecated field, so the vetting must too
	for i, p := range k.PatchesStrategicMerge {   //nolint:staticcheck // SA1019: as above
		// Kustomize reads an entry as a path only when it does not parse
		// as patches itself.
		if _, err := v.rf.SliceFromBytes([]byte(p)); err == nil {
			continue
		}
		s := string(p)
		local(fmt.Sprintf("patchesStrategicMerge[%d]", i), &s)
		k.PatchesStrategicMerge[i] = types.PatchStrategicMerge(s) //nolint:staticcheck // SA1019: as above
	}
	for i := range k.Replacements {
		if k.Replacements[i].Path != "" {
			local(fmt.Sprintf("replacements[%d].path", i), &k.Replacements[i].Path)
		}
	}
	kv := func(field string, s *types.KvPairSources) {
		for i, src := range s.FileSources {
			// [key=]path, as kustomize's generators read it; other forms
			// are kustomize's to refuse.
			key, p, found := strings.Cut(src, "=")
			if !found {
				key, p = path.Base(src), src
			} else if key == "" || p == "" || strings.Contains(p, "=") {
				continue
			}
			local(fmt.Sprintf("%s.files[%d]", field, i), &p)
			s.FileSources[i] = key + "=" + p
		}
		list(field+".envs", s.EnvSources)
		if s.EnvSource != "" {
			local(field+".env", &s.EnvSource)
		}
	}
	for i := range k.ConfigMapGenerator {
		kv(fmt.Sprintf("configMapGenerator[%d]", i), &k.ConfigMapGenerator[i].KvPairSources)
	}
	for i := range k.SecretGenerator {
		kv(fmt.Sprintf("secretGenerator[%d]", i), &k.SecretGenerator[i].KvPairSources)
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return &k, nil
}

const (
	errPlugins = "an overlay may not configure kustomize plugins (their configurations can name programs, containers and remote files); use the kustomization's own fields"
	errHelm    = "an overlay may not inflate Helm charts (that runs helm)"
	// errDaemonOnly refuses an object of daemonOnly.
	errDaemonOnly = "refused: an overlay may not produce gardenfleet's own objects (Fleets), Leases or Events, which the daemon may write"
)

// keyEscape hides keys from kyaml, which deletes every key "<<" while
// expanding YAML merge keys, quoted or not. Escaping prefixes "<<" and any
// key already starting with keyEscape, so that it is undone exactly.
const keyEscape = "gardenfleet.escaped-key:"

func escapeKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if k == "<<" || strings.HasPrefix(k, keyEscape) {
				k = keyEscape + k
			}
			m[k] = escapeKeys(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = escapeKeys(e)
		}
		return l
	}
	return v
}

func unescapeKey(k string) string { return strings.TrimPrefix(k, keyEscape) }

// maxDepth bounds nesting (and alias chains) when reading kustomize's output.
const maxDepth = 1000

// nodeValue turns a YAML node from kustomize into the JSON values of an
// unstructured object. Keys are taken as the strings they are, whatever a
// YAML resolver would make of them (kustomize's transformers write keys
// untagged, so "0x10" would decode as 16 and "<<" as a merge); scalar
// values keep their YAML types.
func nodeValue(n *kyaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	switch n.Kind {
	case kyaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], depth+1)
	case kyaml.AliasNode:
		return nodeValue(n.Alias, depth+1)
	case kyaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			for key.Kind == kyaml.AliasNode && depth < maxDepth {
				key, depth = key.Alias, depth+1
			}
			if key.Kind != kyaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key that is not a string", key.Line)
			}
			val, err := nodeValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[unescapeKey(key.Value)] = val
		}
		return m, nil
	case kyaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			val, err := nodeValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		return l, nil
	case kyaml.ScalarNode:
		return scalarValue(n)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}

// scalarValue decodes a scalar by its tag into int64, float64, bool, nil or
// string, the types unstructured objects hold.
func scalarValue(n *kyaml.Node) (any, error) {
	switch n.ShortTag() {
	case kyaml.NodeTagNull:
		return nil, nil
	case kyaml.NodeTagBool:
		var b bool
		err := n.Decode(&b)
		return b, err
	case kyaml.NodeTagInt:
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		// Beyond int64, as encoding/json would read it.
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return f, nil
	case kyaml.NodeTagFloat:
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return f, nil
	}
	// Strings, timestamps and anything else stay the text they are.
	return n.Value, nil
}
