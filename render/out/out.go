// Package out writes a rendered fleet into a directory, as render --out
// does: one YAML file per object and one per lab file, removing what an
// earlier render wrote there and this one no longer produces. It is the
// only writer of rendered files; render itself stays pure.
package out

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/gardenfleet/gardenfleet/render"
)

// Marker marks a directory written by Write, so that a later Write may
// remove the files it no longer produces.
const Marker = ".gardenfleet-render"

// NameError is an object or lab file whose name cannot be a file name: a
// verdict on the fleet (an overlay can set any name), not an I/O error.
type NameError struct {
	Err error
}

func (e *NameError) Error() string { return e.Err.Error() }
func (e *NameError) Unwrap() error { return e.Err }

func nameError(err error) error { return &NameError{Err: err} }

// Write writes one file per object and lab file into dir, and removes
// files an earlier render wrote there that this one no longer produces.
// Object names come from the fleet (an overlay can set any): each is
// checked to be a Kubernetes name before it becomes a file name, and every
// write goes through an os.Root of dir, so nothing lands outside it. A
// symlink or special file in dir is refused rather than written through.
func Write(dir string, res *render.Result) error {
	files, err := outFiles(res)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() && !e.IsDir() {
			return fmt.Errorf("writing %s: %s is a symlink or special file; render --out writes only regular files", dir, e.Name())
		}
	}
	if len(entries) > 0 {
		if info, err := root.Lstat(Marker); err != nil || !info.Mode().IsRegular() {
			return fmt.Errorf("writing %s: directory is not empty and was not written by gardenfleet render", dir)
		}
		for _, e := range entries {
			if _, keep := files[e.Name()]; !keep && e.Type().IsRegular() && e.Name() != Marker && strings.HasSuffix(e.Name(), ".yaml") {
				if err := root.Remove(e.Name()); err != nil {
					return fmt.Errorf("removing stale %s: %w", e.Name(), err)
				}
			}
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := root.WriteFile(name, files[name], 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return root.WriteFile(Marker, []byte("files in this directory are written by gardenfleet render --out\n"), 0o644)
}

// maxFileName is the longest file name (in bytes) common file systems take.
const maxFileName = 255

// outFiles encodes each object for Write, by file name. An object whose
// kind, namespace or name is not a Kubernetes name is refused with a
// *NameError.
func outFiles(res *render.Result) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, o := range res.Objects {
		if err := render.CheckObjectName(o); err != nil {
			return nil, nameError(fmt.Errorf("render --out: %s: %w", describe(o), err))
		}
		name := render.FileName(o)
		if len(name) > maxFileName {
			return nil, nameError(fmt.Errorf("render --out: %s: file name %s is longer than %d bytes", describe(o), name, maxFileName))
		}
		var b bytes.Buffer
		if err := render.EncodeYAML(&b, []*unstructured.Unstructured{o}); err != nil {
			return nil, err
		}
		files[name] = b.Bytes()
	}
	for name, content := range res.Files {
		// Lab names are restricted by the schema; this is the backstop.
		if !filepath.IsLocal(name) || filepath.Base(name) != name || len(name) > maxFileName {
			return nil, nameError(fmt.Errorf("render --out: lab file %q is not a plain file name", name))
		}
		files[name] = content
	}
	return files, nil
}

// describe names an object for messages, quoting what the fleet chose.
func describe(o *unstructured.Unstructured) string {
	kind := o.GetKind()
	if len(validation.IsDNS1123Label(strings.ToLower(kind))) > 0 {
		kind = fmt.Sprintf("object of kind %q", kind)
	}
	if ns := o.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %q in namespace %q", kind, o.GetName(), ns)
	}
	return fmt.Sprintf("%s %q", kind, o.GetName())
}
