package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"cuelang.org/go/mod/modfile"
	"cuelang.org/go/mod/module"
	"github.com/Masterminds/semver/v3"

	"github.com/gardenfleet/gardenfleet/schema"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// schemaFilePrefix names the schema files added to a fleet package, so that
// errors can tell the user's positions from the schema's.
const schemaFilePrefix = "zz_gardenfleet_schema_"

// OverlayDir is the directory of a fleet repo that holds its kustomize overlay.
const OverlayDir = "kustomize"

// The module files of a fleet repo's cue.mod directory.
const (
	moduleFile      = "cue.mod/module.cue"
	localModuleFile = "cue.mod/local-module.cue"
)

// topLevelFields are the regular fields a fleet package may have.
var topLevelFields = map[string]bool{"defaults": true, "environments": true, "projects": true, "shoots": true, "labs": true, "waves": true}

// Load reads the fleet repo in dir (see snapshot.Read) and loads it (see
// LoadRepo).
func Load(dir string) (*Fleet, error) {
	r, err := snapshot.Read(dir)
	if err != nil {
		return nil, err
	}
	return LoadRepo(r)
}

// LoadSource loads a fleet from in-memory files (name -> CUE source), as if
// they were the files of the repo in dir; nothing is read from dir.
func LoadSource(dir string, files map[string][]byte) (*Fleet, error) {
	r := snapshot.New(dir)
	for name, src := range files {
		if err := r.AddFile(name, src); err != nil {
			return nil, err
		}
	}
	return LoadRepo(r)
}

// LoadRepo checks the fleet repo r against the schema and every rule and
// returns the model. Invalid input yields every problem at once as a
// cue/errors.Error (see Details); other errors are I/O errors.
//
// It evaluates r's files and the embedded schema only: no file on disk (an
// @embed reads r's files), no cue.mod of a parent directory, no module
// registry. The fleet package is the .cue files at r's root, each of which
// must be package fleet. The .cue files in subdirectories are not part of
// it: they are read only as packages of the repo's own module that the
// fleet imports (which needs a cue.mod/module.cue), so a repo may hold CUE
// for other tools. Positions name r's files below filepath.Abs(r.Name), so
// Issues(err, r.Name) prints them relative to the repo.
func LoadRepo(r *snapshot.Repo) (*Fleet, error) {
	p, err := newUserPackage(r)
	if err != nil {
		return nil, err
	}
	f, err := loadPackage(p)
	if err != nil {
		return nil, err
	}
	if f.Overlay, err = overlayOf(r, p.dir); err != nil {
		return nil, err
	}
	if f.CloudProfiles, err = cloudProfilesOf(r); err != nil {
		return nil, err
	}
	return f, nil
}

// userPackage is a fleet repo's files as the CUE loader sees them.
type userPackage struct {
	files fstest.MapFS
	// dir is where positions place the files: the repo's absolute path.
	dir string
	// root names the .cue files at the root: all of them must be loaded.
	root map[string]bool
}

// newUserPackage checks what CUE's loader would leave out or fetch from
// elsewhere without a word: a root .cue file not of package fleet, a
// module dependency.
func newUserPackage(r *snapshot.Repo) (*userPackage, error) {
	abs, err := filepath.Abs(r.Name)
	if err != nil {
		return nil, fmt.Errorf("loading fleet %s: %w", r.Name, err)
	}
	p := &userPackage{files: fstest.MapFS{}, dir: abs, root: map[string]bool{}}
	var errs cueerrors.Error
	for _, name := range r.Paths() {
		data, _ := r.File(name)
		if !strings.Contains(name, "/") && isSchemaCopy(name, data) {
			continue // the embedded schema stands in for it
		}
		p.files[name] = &fstest.MapFile{Data: data, Mode: 0o444}
		if strings.Contains(name, "/") || !strings.HasSuffix(name, ".cue") {
			continue
		}
		p.root[name] = true
		errs = cueerrors.Append(errs, checkPackageClause(p.position(name), data))
	}
	if len(p.root) == 0 {
		return nil, fmt.Errorf("loading fleet %s: no .cue files", r.Name)
	}
	if data, ok := r.File(moduleFile); ok {
		errs = cueerrors.Append(errs, checkModuleFile(p.position(moduleFile), data))
	}
	if _, ok := r.File(localModuleFile); ok {
		errs = cueerrors.Append(errs, cueerrors.Newf(fileStart(p.position(localModuleFile), nil),
			"a fleet cannot replace CUE modules: gardenfleet loads only the repo's own files"))
	}
	if errs != nil {
		return nil, errs
	}
	return p, nil
}

// position returns the file name positions give name, a path in the repo.
func (p *userPackage) position(name string) string {
	return filepath.Join(p.dir, filepath.FromSlash(name))
}

// checkPackageClause refuses a root .cue file that is not package fleet:
// CUE would leave it out of the package, or load no fleet at all. A file
// that does not parse is left to the loader, which places the syntax error.
func checkPackageClause(filename string, src []byte) cueerrors.Error {
	if strings.HasPrefix(filepath.Base(filename), schemaFilePrefix) {
		return cueerrors.Newf(fileStart(filename, src), "file names starting with %s are reserved for gardenfleet's schema: rename the file", schemaFilePrefix)
	}
	f, err := parser.ParseFile(filename, src, parser.PackageClauseOnly)
	if err != nil {
		return nil
	}
	for _, d := range f.Decls {
		if pkg, ok := d.(*ast.Package); ok {
			if pkg.Name.Name == schema.Package {
				return nil
			}
			return cueerrors.Newf(pkg.Name.Pos(), "package %s: every .cue file at the root of a fleet repo must be package %s", pkg.Name.Name, schema.Package)
		}
	}
	return cueerrors.Newf(fileStart(filename, src), "no package clause: every .cue file at the root of a fleet repo must be package %s", schema.Package)
}

// minLanguageVersion is the oldest CUE language version the embedded schema
// evaluates in: it calls the builtin error, added in v0.14.0. A fleet's
// cue.mod/module.cue declaring an older one would make every schema file
// fail with positions the user does not have.
const minLanguageVersion = "v0.14.0"

// checkModuleFile refuses module dependencies, which would be fetched from a
// registry gardenfleet never contacts, and a language version the schema
// cannot be evaluated in.
func checkModuleFile(filename string, src []byte) cueerrors.Error {
	mf, err := modfile.ParseNonStrict(src, filename)
	if err != nil {
		// Some (a language version too new, say) come without a position.
		if len(cueerrors.Positions(err)) == 0 {
			return cueerrors.Newf(fileStart(filename, src), "%v", err)
		}
		return cueerrors.Promote(err, "")
	}
	var errs cueerrors.Error
	// CUE's loader panics on a module path it cannot make a version of.
	if _, err := module.NewVersion(mf.QualifiedModule(), ""); err != nil {
		errs = cueerrors.Append(errs, cueerrors.Newf(moduleFieldPos(filename, src, "module"), "module %q: %v", mf.Module, err))
	}
	if mf.Language != nil && mf.Language.Version != "" {
		v, err := semver.NewVersion(mf.Language.Version)
		// ParseNonStrict checked the syntax and that CUE knows the version.
		if err == nil && v.LessThan(semver.MustParse(minLanguageVersion)) {
			errs = cueerrors.Append(errs, cueerrors.Newf(moduleFieldPos(filename, src, "language", "version"), "language version %s is older than %s, which gardenfleet's schema needs: declare %s or later", mf.Language.Version, minLanguageVersion, minLanguageVersion))
		}
	}
	if len(mf.Deps) > 0 {
		errs = cueerrors.Append(errs, cueerrors.Newf(moduleFieldPos(filename, src, "deps"),
			"a fleet cannot depend on CUE modules: gardenfleet loads only the repo's own files and never contacts a module registry"))
	}
	return errs
}

// moduleFieldPos is the position of the field at path (language, version)
// in a module file, or the file's start.
func moduleFieldPos(filename string, src []byte, path ...string) token.Pos {
	pos := fileStart(filename, src)
	f, err := parser.ParseFile(filename, src)
	if err != nil {
		return pos
	}
	decls := f.Decls
	for _, name := range path {
		var next *ast.Field
		for _, d := range decls {
			if field, ok := d.(*ast.Field); ok {
				if label, _, _ := ast.LabelName(field.Label); label == name {
					next = field
				}
			}
		}
		if next == nil {
			return pos
		}
		pos = next.Pos()
		lit, ok := next.Value.(*ast.StructLit)
		if !ok {
			break
		}
		decls = lit.Elts
	}
	return pos
}

// fileStart is the position of line 1, column 1 of a file.
func fileStart(filename string, src []byte) token.Pos {
	return token.NewFile(filename, -1, len(src)+1).Pos(0, token.NoRelPos)
}

// checkRootFiles refuses a root .cue file the loader left out of the fleet
// package although it is package fleet: CUE skips files named _* or .*,
// *_test.cue and *_tool.cue, and files whose @if attribute is false.
func (p *userPackage) checkRootFiles(loaded []*ast.File) cueerrors.Error {
	seen := map[string]bool{}
	for _, f := range loaded {
		seen[f.Filename] = true
	}
	var errs cueerrors.Error
	for _, name := range slices.Sorted(maps.Keys(p.root)) {
		if filename := p.position(name); !seen[filename] {
			data := p.files[name].Data
			errs = cueerrors.Append(errs, cueerrors.Newf(fileStart(filename, data),
				"CUE leaves this file out of the package (a name starting with _ or ., ending in _test.cue or _tool.cue, or an @if attribute): rename it or remove it"))
		}
	}
	return errs
}

// loadPackage evaluates the user's files together with the schema. A valid
// fleet takes the lean path (exportChecked); anything else is evaluated
// whole, which finds every error and its position.
func loadPackage(p *userPackage) (*Fleet, error) {
	f, _, err := loadPackageBuilder(p)
	return f, err
}

// loadPackageBuilder is loadPackage, also returning its builder.
func loadPackageBuilder(p *userPackage) (*Fleet, *builder, error) {
	doc, ok, suspects := exportChecked(p)
	var errs cueerrors.Error
	if !ok {
		var err error
		if suspects != nil {
			// Errors among a few shoots: look for them with the schema on
			// those shoots only, as a whole evaluation of 5,000 shoots
			// costs four times the memory.
			if _, _, err := exportWhole(p, suspects); err != nil {
				return nil, nil, err
			}
		}
		// None found that way (a fleet's default the schema rules out, say):
		// the package whole decides.
		if doc, errs, err = exportWhole(p, nil); err != nil {
			return nil, nil, err
		}
	}
	// Only errors need the evaluated graph (for positions): evaluate
	// again if one comes.
	b := &builder{doc: doc, errs: errs, evaluate: func() cue.Value {
		all, err := schemaSources(everyFile)
		if err != nil {
			return cue.Value{} // the embedded schema reads; no position otherwise
		}
		inst, err := instance(p, all)
		if err != nil {
			return cue.Value{}
		}
		return cuecontext.New().BuildInstance(inst)
	}}
	f := b.build()
	if b.errs != nil {
		return nil, nil, cueerrors.Sanitize(b.errs)
	}
	dups, declared := duplicateDeclarations(p)
	if w := cueerrors.Append(b.warnings, dups); w != nil {
		f.Warnings = cueerrors.Sanitize(w)
	}
	for i := range f.Projects {
		f.Projects[i].Declared = declared["projects\x00"+f.Projects[i].Name]
	}
	for i := range f.Shoots {
		f.Shoots[i].Declared = declared["shoots\x00"+f.Shoots[i].Name]
	}
	return f, b, nil
}

// exportWhole evaluates the user's files and the whole schema as one
// package and exports it. Invalid input yields every CUE error at once
// (err); fields the fleet does not know come back as rule errors (errs).
// With only, #Shoot applies to those shoots alone: then only the errors
// count, as the other shoots lack the schema's defaults.
func exportWhole(p *userPackage, only []string) (doc document, errs cueerrors.Error, err error) {
	all, err := schemaSources(everyFile)
	if err != nil {
		return document{}, nil, err
	}
	if only != nil {
		src, ok := shootsCheckedOnly(only)
		if !ok {
			return document{}, nil, nil
		}
		all[schemaFilePrefix+schema.ShootsFile] = []byte(src)
	}
	inst, err := instance(p, all)
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

// overlayOf returns the kustomize/ directory of a fleet repo, if it has
// one, from the repo's files.
func overlayOf(r *snapshot.Repo, dir string) (*Overlay, error) {
	if _, ok := r.File(OverlayDir); ok {
		return nil, errors.New("reading overlay: " + filepath.Join(r.Name, OverlayDir) + " is not a directory")
	}
	sub := r.Sub(OverlayDir)
	paths := sub.Paths()
	if len(paths) == 0 {
		return nil, nil
	}
	files := make(map[string][]byte, len(paths))
	for _, p := range paths {
		files[p], _ = sub.File(p)
	}
	return &Overlay{Dir: filepath.Join(dir, OverlayDir), Files: files}, nil
}

// CloudProfileDir is the directory of a fleet repo that holds the YAML of
// the CloudProfiles its shoots use, for checking them offline.
const CloudProfileDir = "cloudprofiles"

// cloudProfilesOf returns the YAML and JSON files of the repo's
// cloudprofiles/ directory, unread: they are Gardener's objects, which the
// admission package decodes.
func cloudProfilesOf(r *snapshot.Repo) ([]File, error) {
	if _, ok := r.File(CloudProfileDir); ok {
		return nil, errors.New("reading CloudProfiles: " + filepath.Join(r.Name, CloudProfileDir) + " is not a directory")
	}
	sub := r.Sub(CloudProfileDir)
	var out []File
	for _, p := range sub.Paths() {
		switch filepath.Ext(p) {
		case ".yaml", ".yml", ".json":
			data, _ := sub.File(p)
			out = append(out, File{Path: CloudProfileDir + "/" + p, Data: data})
		}
	}
	return out, nil
}
