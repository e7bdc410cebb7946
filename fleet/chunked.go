package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing/fstest"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/load"
	cuejson "cuelang.org/go/encoding/json"
	"cuelang.org/go/mod/modconfig"

	"github.com/gardenfleet/gardenfleet/schema"
)

// shootsPerChunk is how many shoots one schema check evaluates at once:
// enough to spread a chunk's fixed cost, few enough to keep its graph small.
const shootsPerChunk = 250

// exportChecked is the fast, lean way to a valid fleet's document.
//
// CUE keeps a package's whole evaluated graph in memory, and the schema
// makes it large: every shoot unified with #Shoot carries a node for each
// field the schema declares, about 36 KiB a shoot. So exportChecked
// evaluates the user's files with the schema's definitions but without its
// top-level constraints (schema.FieldsFile and ShootsFile), exports the
// result, and checks that export against the whole schema a chunk of shoots
// at a time, each chunk in a context of its own, on every core.
//
// Unification is commutative and associative, so when both steps succeed
// the document equals what evaluating everything at once would export: the
// constraints only narrow values, and a default they would have rejected
// fails the check instead. That holds only if the user's files add nothing
// to the schema's definitions, which the check sees only as the schema
// declares them. So ok is false when a user file declares a field named
// like a schema definition, when a user file does not evaluate on its own
// (it may lean on the constraints), and on any error at all: the caller
// then evaluates the package whole, which also places every error. When
// only the check failed, suspects names the shoots of the failed chunks
// (empty when only the rest failed): errors are only among them and the
// fields that are not shoots.
func exportChecked(p *userPackage) (doc document, ok bool, suspects []string) {
	defs, err := schemaSources(func(name string) bool { return !isFieldsFile(name) })
	if err != nil {
		return document{}, false, nil
	}
	inst, err := instance(p, defs)
	if err != nil || inst.Err != nil || inst.PkgName != schema.Package || redeclaresDefinition(inst) {
		return document{}, false, nil
	}
	data, err := cuecontext.New().BuildInstance(inst).MarshalJSON()
	if err != nil {
		return document{}, false, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return document{}, false, nil
	}
	for name := range top {
		if !topLevelFields[name] {
			return document{}, false, nil
		}
	}
	var shoots map[string]json.RawMessage
	if raw, found := top["shoots"]; found {
		if err := json.Unmarshal(raw, &shoots); err != nil {
			return document{}, false, nil
		}
		delete(top, "shoots")
	}

	// The first chunk is everything but the shoots; each other one a run
	// of shoots, under "shoots" as in the package.
	chunks := []map[string]json.RawMessage{top}
	names := slices.Sorted(maps.Keys(shoots))
	for len(names) > 0 {
		n := min(len(names), shootsPerChunk)
		part := make(map[string]json.RawMessage, n)
		for _, name := range names[:n] {
			part[name] = shoots[name]
		}
		raw, err := json.Marshal(part)
		if err != nil {
			return document{}, false, nil
		}
		chunks = append(chunks, map[string]json.RawMessage{"shoots": raw})
		names = names[n:]
	}
	checked, failed := checkChunks(chunks)
	if len(failed) > 0 {
		// Only the shoots of the failed chunks need the whole schema to
		// find the errors (all of them: every chunk was checked).
		suspects = []string{}
		for _, i := range failed {
			if i > 0 {
				suspects = append(suspects, slices.Sorted(maps.Keys(shootsOf(chunks[i])))...)
			}
		}
		return document{}, false, suspects
	}
	if err := json.Unmarshal(checked[0], &doc); err != nil {
		return document{}, false, nil
	}
	if len(chunks) > 1 {
		doc.Shoots = make(map[string]json.RawMessage, len(shoots))
	}
	for _, c := range checked[1:] {
		var part struct {
			Shoots map[string]json.RawMessage `json:"shoots"`
		}
		if err := json.Unmarshal(c, &part); err != nil {
			return document{}, false, nil
		}
		maps.Copy(doc.Shoots, part.Shoots)
	}
	return doc, true, nil
}

func shootsOf(chunk map[string]json.RawMessage) map[string]json.RawMessage {
	var shoots map[string]json.RawMessage
	_ = json.Unmarshal(chunk["shoots"], &shoots)
	return shoots
}

// checkChunks unifies each chunk with the whole schema and exports it, and
// returns the indices of the chunks that failed. The chunks are shared out
// among workers, each with its own CUE context (a context is not safe for
// concurrent use).
func checkChunks(chunks []map[string]json.RawMessage) (checked [][]byte, failed []int) {
	checked = make([][]byte, len(chunks))
	ok := make([]bool, len(chunks))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		wg.Go(func() {
			ctx := cuecontext.New()
			// An instance is built by one context only: load one per worker.
			inst, ierr := schemaInstance()
			var s cue.Value
			if ierr == nil {
				s = ctx.BuildInstance(inst)
			}
			for i := range next {
				if ierr != nil {
					continue
				}
				data, err := checkChunk(ctx, s, chunks[i])
				checked[i], ok[i] = data, err == nil
			}
		})
	}
	for i := range chunks {
		next <- i
	}
	close(next)
	wg.Wait()
	for i := range ok {
		if !ok[i] {
			failed = append(failed, i)
		}
	}
	return checked, failed
}

func checkChunk(ctx *cue.Context, schemaValue cue.Value, chunk map[string]json.RawMessage) ([]byte, error) {
	if err := schemaValue.Err(); err != nil {
		return nil, err
	}
	data, err := json.Marshal(chunk)
	if err != nil {
		return nil, err
	}
	expr, err := cuejson.Extract("fleet.json", data)
	if err != nil {
		return nil, err
	}
	return schemaValue.Unify(ctx.BuildExpr(expr)).MarshalJSON()
}

// redeclaresDefinition reports whether a user file declares a field named
// like one of the schema's definitions, anywhere (a nested one would only
// shadow, but telling the two apart is not worth it).
func redeclaresDefinition(inst *build.Instance) bool {
	defs := schemaDefinitions()
	found := false
	for _, f := range inst.Files {
		if isSchemaFile(f.Filename) {
			continue
		}
		ast.Walk(f, func(n ast.Node) bool {
			if field, ok := n.(*ast.Field); ok {
				if name, _, err := ast.LabelName(field.Label); err == nil && defs[name] {
					found = true
				}
			}
			return !found
		}, nil)
		if found {
			return true
		}
	}
	return false
}

// schemaDefinitions is the set of definition names the schema declares.
var schemaDefinitions = sync.OnceValue(func() map[string]bool {
	defs := map[string]bool{}
	inst, err := schemaInstance()
	if err != nil {
		panic(err)
	}
	for _, f := range inst.Files {
		for _, d := range f.Decls {
			if field, ok := d.(*ast.Field); ok {
				if name, _, err := ast.LabelName(field.Label); err == nil && strings.HasPrefix(name, "#") {
					defs[name] = true
				}
			}
		}
	}
	return defs
})

// schemaDir is where positions place the schema loaded on its own.
const schemaDir = "/gardenfleet-schema"

// schemaInstance loads the schema on its own, as a package of its own.
func schemaInstance() (*build.Instance, error) {
	src, err := schemaSources(everyFile)
	if err != nil {
		return nil, err
	}
	inst, err := instance(&userPackage{dir: schemaDir}, src)
	if err != nil {
		return nil, err
	}
	if inst.Err != nil {
		return nil, fmt.Errorf("embedded schema: %w", inst.Err)
	}
	return inst, nil
}

// isFieldsFile reports whether a schema file constrains top-level fields
// rather than declaring definitions.
func isFieldsFile(name string) bool { return name == schema.FieldsFile || name == schema.ShootsFile }

// shootsCheckedOnly returns the schema's shoots file with #Shoot applied to
// the named shoots only (names that break the pattern are still refused):
// errors among a few shoots are found without unifying every shoot with
// #Shoot. ok is false when the file no longer has the line it replaces.
func shootsCheckedOnly(names []string) (src string, ok bool) {
	full, err := fs.ReadFile(schema.Files, schema.ShootsFile)
	if err != nil {
		return "", false
	}
	line := shootConstraint.FindAllIndex(full, -1)
	if len(line) != 1 {
		return "", false
	}
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "\t%s?: #Shoot\n", literal.Label.Quote(name))
	}
	return string(full[:line[0][0]]) + b.String() + string(full[line[0][1]:]), true
}

// shootConstraint is the line of the shoots file that applies #Shoot.
var shootConstraint = regexp.MustCompile(`(?m)^\t\[#ShootName\]:\s*#Shoot\n`)

func everyFile(string) bool { return true }

// schemaSources returns the embedded schema files that keep selects, by the
// names they have in a fleet package.
func schemaSources(keep func(name string) bool) (map[string][]byte, error) {
	entries, err := fs.ReadDir(schema.Files, ".")
	if err != nil {
		return nil, fmt.Errorf("reading embedded schema: %w", err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if !keep(e.Name()) {
			continue
		}
		src, err := fs.ReadFile(schema.Files, e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading embedded schema: %w", err)
		}
		out[schemaFilePrefix+e.Name()] = src
	}
	return out, nil
}

// noRegistry stands in for a CUE module registry: a fleet loads only its
// own files, so anything that would fetch a module fails instead.
var noRegistry = &modconfig.LazyRegistry{New: func() (modconfig.CachedRegistry, error) {
	return nil, errors.New("gardenfleet does not fetch CUE modules: a fleet loads only the repo's own files")
}}

// instance loads the fleet package from p's files and the schema files
// given, all in memory: the loader sees no other file, no parent directory
// (the module root is the repo's root) and no registry.
func instance(p *userPackage, schemaFiles map[string][]byte) (*build.Instance, error) {
	files := make(fstest.MapFS, len(p.files)+len(schemaFiles))
	maps.Copy(files, p.files)
	for name, src := range schemaFiles {
		files[name] = &fstest.MapFile{Data: src, Mode: 0o444}
	}
	insts := load.Instances([]string{"."}, &load.Config{
		FS:         files,
		Dir:        "/",
		ModuleRoot: "/",
		FromFSPath: func(name string) string {
			return filepath.Join(p.dir, filepath.FromSlash(strings.TrimPrefix(name, "/")))
		},
		Registry: noRegistry,
		Env:      []string{},
	})
	if len(insts) != 1 {
		return nil, fmt.Errorf("loading fleet %s: expected one CUE package, found %d", p.dir, len(insts))
	}
	if errs := p.checkRootFiles(insts[0].Files); errs != nil {
		return nil, errs
	}
	return insts[0], nil
}
