package fleet

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"

	"github.com/gardenfleet/gardenfleet/schema"
)

// schemaFilePrefix names the schema files added to a fleet package, so that
// errors can tell the user's positions from the schema's.
const schemaFilePrefix = "zz_gardenfleet_schema_"

// OverlayDir is the directory of a fleet repo that holds its kustomize overlay.
const OverlayDir = "kustomize"

// topLevelFields are the regular fields a fleet package may have.
var topLevelFields = map[string]bool{"defaults": true, "environments": true, "projects": true, "shoots": true, "labs": true, "waves": true}

// Load reads the fleet repo in dir, checks it against the schema and every
// rule, and returns the model. Invalid input yields every problem at once as
// a cue/errors.Error (see Details); other errors are I/O errors.
func Load(dir string) (*Fleet, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("loading fleet %s: %w", dir, err)
	}
	user, err := userFiles(abs)
	if err != nil {
		return nil, err
	}
	if len(user) == 0 {
		return nil, fmt.Errorf("loading fleet %s: no .cue files", dir)
	}
	f, err := loadPackage(abs, nil)
	if err != nil {
		return nil, err
	}
	if f.Overlay, err = readOverlay(abs); err != nil {
		return nil, err
	}
	return f, nil
}

// LoadSource loads a fleet from in-memory files (name -> CUE source), as if
// they were the .cue files of dir. It reads no kustomize overlay.
func LoadSource(dir string, files map[string][]byte) (*Fleet, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("loading fleet %s: %w", dir, err)
	}
	overlay := make(map[string]load.Source, len(files))
	for name, src := range files {
		overlay[filepath.Join(abs, name)] = load.FromBytes(src)
	}
	return loadPackage(abs, overlay)
}

func userFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading fleet: %w", err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") && !strings.HasPrefix(e.Name(), schemaFilePrefix) {
			files = append(files, e.Name())
		}
	}
	return files, nil
}

// loadPackage evaluates the user's files together with the schema. A valid
// fleet takes the lean path (exportChecked); anything else is evaluated
// whole, which finds every error and its position.
func loadPackage(dir string, overlay map[string]load.Source) (*Fleet, error) {
	doc, ok, suspects := exportChecked(dir, overlay)
	var errs cueerrors.Error
	if !ok {
		var err error
		if suspects != nil {
			// Errors among a few shoots: look for them with the schema on
			// those shoots only, as a whole evaluation of 5,000 shoots
			// costs four times the memory.
			if _, _, err := exportWhole(dir, overlay, suspects); err != nil {
				return nil, err
			}
		}
		// None found that way (a fleet's default the schema rules out, say):
		// the package whole decides.
		if doc, errs, err = exportWhole(dir, overlay, nil); err != nil {
			return nil, err
		}
	}
	// Only errors need the evaluated graph (for positions): evaluate
	// again if one comes.
	b := &builder{doc: doc, errs: errs, evaluate: func() cue.Value {
		all, err := schemaSources(dir, everyFile)
		if err != nil {
			return cue.Value{} // the embedded schema reads; no position otherwise
		}
		inst, err := instance(dir, withSources(overlay, all))
		if err != nil {
			return cue.Value{}
		}
		return cuecontext.New().BuildInstance(inst)
	}}
	f := b.build()
	if b.errs != nil {
		return nil, cueerrors.Sanitize(b.errs)
	}
	return f, nil
}

// exportWhole evaluates the user's files and the whole schema as one
// package and exports it. Invalid input yields every CUE error at once
// (err); fields the fleet does not know come back as rule errors (errs).
// With only, #Shoot applies to those shoots alone: then only the errors
// count, as the other shoots lack the schema's defaults.
func exportWhole(dir string, overlay map[string]load.Source, only []string) (doc document, errs cueerrors.Error, err error) {
	all, err := schemaSources(dir, everyFile)
	if err != nil {
		return document{}, nil, err
	}
	if only != nil {
		src, ok := shootsCheckedOnly(only)
		if !ok {
			return document{}, nil, nil
		}
		all[filepath.Join(dir, schemaFilePrefix+schema.ShootsFile)] = load.FromString(src)
	}
	inst, err := instance(dir, withSources(overlay, all))
	if err != nil {
		return document{}, nil, err
	}
	if inst.Err != nil {
		return document{}, nil, cueerrors.Promote(inst.Err, "")
	}
	if inst.PkgName != schema.Package {
		return document{}, nil, cueerrors.Newf(inst.Files[0].Pos(), "fleet files must be package %s, not %s", schema.Package, inst.PkgName)
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		// Err tells only the first error: validate for every one.
		if verr := v.Validate(cue.Concrete(true)); verr != nil {
			err = verr
		}
		return document{}, nil, placeInUserFiles(v, err)
	}
	// Exporting fails on the first error only; validate just then, to
	// report every error, and spare valid fleets a second walk.
	data, err := v.MarshalJSON()
	if err != nil {
		if verr := v.Validate(cue.Concrete(true)); verr != nil {
			return document{}, nil, placeInUserFiles(v, verr)
		}
		return document{}, nil, err
	}
	iter, err := v.Fields()
	if err != nil {
		return document{}, nil, err
	}
	for iter.Next() {
		if name := iter.Selector().String(); !topLevelFields[name] {
			errs = cueerrors.Append(errs, newRuleError(iter.Value().Pos(), []string{name},
				"unknown field %q: a fleet has defaults, environments, projects, shoots, labs and waves (use a hidden _%s for helpers)", name, name))
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return document{}, nil, fmt.Errorf("decoding fleet: %w", err)
	}
	return doc, errs, nil
}

// document is the fleet package as exported JSON, each layer kept raw so
// that layers can be merged by decoding them one over the other.
type document struct {
	Defaults     json.RawMessage            `json:"defaults"`
	Environments map[string]json.RawMessage `json:"environments"`
	Projects     map[string]json.RawMessage `json:"projects"`
	Shoots       map[string]json.RawMessage `json:"shoots"`
	Labs         map[string]json.RawMessage `json:"labs"`
	Waves        []Wave                     `json:"waves"`
}

// readOverlay reads the kustomize/ directory of a fleet repo, if any.
func readOverlay(dir string) (*Overlay, error) {
	root := filepath.Join(dir, OverlayDir)
	info, err := os.Stat(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading overlay: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("reading overlay: %s is not a directory", root)
	}
	o := &Overlay{Dir: root, Files: map[string][]byte{}}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: only regular files are allowed in the overlay", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		o.Files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading overlay: %w", err)
	}
	return o, nil
}
