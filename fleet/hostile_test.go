package fleet_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// moduleCUE declares the repo a CUE module, which @embed needs.
const moduleCUE = "module: \"fleet.example@v0\"\nlanguage: version: \"v0.17.0\"\n"

// embedding is a fleet file that puts the file attr names into a shoot's
// annotation, which reaches the rendered objects.
func embedding(attr string) string {
	return "@extern(embed)\n\npackage fleet\n\nshoots: s: {project: \"a\", pools: p: {}, annotations: leak: _ @embed(" + attr + ")}\n"
}

const (
	isSymlink    = ": is a symlink; a fleet repo may hold only regular files and directories"
	notRegular   = ": is not a regular file; a fleet repo may hold only regular files and directories"
	notFleet     = "every .cue file at the root of a fleet repo must be package fleet"
	leftOut      = "CUE leaves this file out of the package (a name starting with _ or ., ending in _test.cue or _tool.cue, or an @if attribute): rename it or remove it"
	noModuleDeps = "a fleet cannot depend on CUE modules: gardenfleet loads only the repo's own files and never contacts a module registry"
)

// loadResult loads the fleet in dir and returns what a user would see: the
// issues, or the error, with dir written as $REPO; and every shoot's
// annotation "leak".
func loadResult(t *testing.T, load func() (*fleet.Fleet, error), dir string) (msg string, leaks []string) {
	t.Helper()
	f, err := load()
	if f != nil {
		for _, s := range f.Shoots {
			leaks = append(leaks, s.Annotations["leak"])
		}
	}
	var cerr cueerrors.Error
	switch {
	case err == nil:
	case errors.As(err, &cerr):
		msg = strings.TrimSpace(fleet.Details(err, dir))
	default:
		msg = err.Error()
	}
	return strings.ReplaceAll(msg, dir, "$REPO"), leaks
}

// writeRepo writes files (path -> content) below dir.
func writeRepo(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLoadRefusesHostileRepos: a fleet repo is untrusted. Nothing in it may
// make gardenfleet read outside it, and no file may be silently left out.
func TestLoadRefusesHostileRepos(t *testing.T) {
	t.Parallel()
	const secret = "gardenfleet-hostile-test-secret"
	outside := t.TempDir()
	writeRepo(t, outside, map[string]string{"secret.txt": secret, "lib/secret.txt": secret})
	environ, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		t.Fatalf("this test needs /proc/self/environ: %v", err)
	}
	firstVar, _, _ := strings.Cut(string(environ), "\x00")

	tests := []struct {
		name  string
		files map[string]string
		setup func(t *testing.T, dir string)
		want  string // exact; empty means the fleet is valid
	}{
		{
			name:  "symlink to a file outside, embedded",
			files: map[string]string{"cue.mod/module.cue": moduleCUE, "embed.cue": embedding(`file="link.txt", type=text`)},
			setup: func(t *testing.T, dir string) { symlink(t, filepath.Join(outside, "secret.txt"), dir, "link.txt") },
			want:  "$REPO/link.txt" + isSymlink,
		},
		{
			name:  "symlink to a directory outside, embedded by glob",
			files: map[string]string{"cue.mod/module.cue": moduleCUE, "embed.cue": embedding(`glob="lib/*.txt", type=text`)},
			setup: func(t *testing.T, dir string) { symlink(t, filepath.Join(outside, "lib"), dir, "lib") },
			want:  "$REPO/lib" + isSymlink,
		},
		{
			name:  "symlink to /proc/self/environ, embedded",
			files: map[string]string{"cue.mod/module.cue": moduleCUE, "embed.cue": embedding(`file="env.txt", type=text`)},
			setup: func(t *testing.T, dir string) { symlink(t, "/proc/self/environ", dir, "env.txt") },
			want:  "$REPO/env.txt" + isSymlink,
		},
		{
			name:  "symlink inside the repo",
			setup: func(t *testing.T, dir string) { symlink(t, "base.cue", dir, "copy.cue") },
			want:  "$REPO/copy.cue" + isSymlink,
		},
		{
			name: "FIFO",
			setup: func(t *testing.T, dir string) {
				if err := syscall.Mkfifo(filepath.Join(dir, "data.fifo"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: "$REPO/data.fifo" + notRegular,
		},
		{
			name:  "oversize file",
			files: map[string]string{"big.cue": "package fleet\n//" + strings.Repeat("x", snapshot.MaxFileBytes-16) + "\n"},
			want:  "$REPO/big.cue: is larger than 16 MiB",
		},
		{
			name:  "package other",
			files: map[string]string{"other.cue": "// Package other is not the fleet.\npackage other\n\nshoots: x: {}\n"},
			want:  "other.cue:2:9: package other: " + notFleet,
		},
		{
			name:  "no package clause",
			files: map[string]string{"plain.cue": "shoots: x: {project: \"a\", pools: p: {}}\n"},
			want:  "plain.cue:1:1: no package clause: " + notFleet,
		},
		{
			name:  "every file named",
			files: map[string]string{"a.cue": "package a\n", "b.cue": "x: 1\n"},
			want:  "a.cue:1:9: package a: " + notFleet + "\nb.cue:1:1: no package clause: " + notFleet,
		},
		{
			name:  "a name CUE ignores",
			files: map[string]string{"_shoots.cue": "package fleet\n\nshoots: x: {project: \"a\", pools: p: {}}\n"},
			want:  "_shoots.cue:1:1: " + leftOut,
		},
		{
			name:  "a tool file",
			files: map[string]string{"shoots_tool.cue": "package fleet\n\nshoots: x: {project: \"a\", pools: p: {}}\n"},
			want:  "shoots_tool.cue:1:1: " + leftOut,
		},
		{
			name:  "an @if attribute",
			files: map[string]string{"prod.cue": "@if(prod)\n\npackage fleet\n\nshoots: x: {project: \"a\", pools: p: {}}\n"},
			want:  "prod.cue:1:1: " + leftOut,
		},
		{
			name:  "a name reserved for the schema",
			files: map[string]string{"zz_gardenfleet_schema_fields.cue": "package fleet\n"},
			want:  "zz_gardenfleet_schema_fields.cue:1:1: file names starting with zz_gardenfleet_schema_ are reserved for gardenfleet's schema: rename the file",
		},
		{
			name:  "module replacements",
			files: map[string]string{"cue.mod/module.cue": moduleCUE, "cue.mod/local-module.cue": "deps: {}\n"},
			want:  "cue.mod/local-module.cue:1:1: a fleet cannot replace CUE modules: gardenfleet loads only the repo's own files",
		},
		{
			name:  "a language version older than the schema's",
			files: map[string]string{"cue.mod/module.cue": "module: \"fleet.example@v0\"\nlanguage: version: \"v0.12.0\"\n"},
			want:  "cue.mod/module.cue:2:11: language version v0.12.0 is older than v0.14.0, which gardenfleet's schema needs: declare v0.14.0 or later",
		},
		{
			name:  "a language version newer than gardenfleet's CUE",
			files: map[string]string{"cue.mod/module.cue": "module: \"fleet.example@v0\"\nlanguage: version: \"v9.0.0\"\n"},
			want:  `cue.mod/module.cue:1:1: language version "v9.0.0" declared in module.cue is too new for current language version "` + cue.LanguageVersion() + `"`,
		},
		{
			name:  "a module path CUE's loader panics on",
			files: map[string]string{"cue.mod/module.cue": "module: \"@v0\"\nlanguage: version: \"v0.17.0\"\n"},
			want:  `cue.mod/module.cue:1:1: module "@v0": malformed module path "@v0": empty string`,
		},
		{
			name:  "the oldest language version the schema needs",
			files: map[string]string{"cue.mod/module.cue": "module: \"fleet.example@v0\"\nlanguage: version: \"v0.14.0\"\n"},
		},
		{
			name:  "a subdirectory's CUE is not the fleet",
			files: map[string]string{"tools/ci.cue": "package ci\n\nshoots: x: {}\n"},
		},
		{
			name: "a package of the repo's own module, imported",
			files: map[string]string{
				"cue.mod/module.cue": moduleCUE,
				"lib/lib.cue":        "package lib\n\ndescription: \"from lib\"\n",
				"shoots.cue":         "package fleet\n\nimport \"fleet.example/lib\"\n\nshoots: s: {project: \"a\", pools: p: {}, annotations: leak: lib.description}\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeRepo(t, dir, map[string]string{"base.cue": baseFleet})
			writeRepo(t, dir, tt.files)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			got, leaks := loadResult(t, func() (*fleet.Fleet, error) { return fleet.Load(dir) }, dir)
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			for _, leak := range []string{secret, firstVar} {
				if strings.Contains(got, leak) || strings.Contains(fmt.Sprint(leaks), leak) {
					t.Errorf("a file outside the repo leaked: %q", leak)
				}
			}
		})
	}
}

func symlink(t *testing.T, target, dir, name string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// TestEmbedReadsOnlyTheRepo: a file on disk next to the repo's files but
// not one of them cannot be embedded.
func TestEmbedReadsOnlyTheRepo(t *testing.T) {
	t.Parallel()
	const secret = "gardenfleet-embed-test-secret"
	dir := t.TempDir()
	writeRepo(t, dir, map[string]string{"secret.txt": secret})
	files := map[string][]byte{
		"base.cue":           []byte(baseFleet),
		"cue.mod/module.cue": []byte(moduleCUE),
		"embed.cue":          []byte(embedding(`file="secret.txt", type=text`)),
	}
	got, leaks := loadResult(t, func() (*fleet.Fleet, error) { return fleet.LoadSource(dir, files) }, dir)
	want := "embed.cue:5:62: @embed: open secret.txt: no such file or directory"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, secret) || strings.Contains(fmt.Sprint(leaks), secret) {
		t.Error("the file on disk was embedded")
	}
}

// TestLoadNeverContactsARegistry: module dependencies are refused before
// anything is fetched, and a registry in the environment is never asked.
func TestLoadNeverContactsARegistry(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	t.Setenv("CUE_REGISTRY", strings.TrimPrefix(srv.URL, "http://")+"+insecure")
	t.Setenv("CUE_CACHE_DIR", t.TempDir())

	importing := "package fleet\n\nimport \"dep.example/lib\"\n\nshoots: s: {project: \"a\", pools: p: {}, annotations: leak: lib.description}\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{
			name: "a dependency",
			files: map[string]string{
				"cue.mod/module.cue": moduleCUE + "deps: \"dep.example@v0\": v: \"v0.1.0\"\n",
				"shoots.cue":         importing,
			},
			want: "cue.mod/module.cue:3:1: " + noModuleDeps,
		},
		{
			name: "an import of a module not declared",
			files: map[string]string{
				"cue.mod/module.cue": moduleCUE,
				"shoots.cue":         importing,
			},
			want: `shoots.cue:3:8: fleet.example@v0: import failed: cannot find package "dep.example/lib": cannot find module providing package dep.example/lib`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRepo(t, dir, map[string]string{"base.cue": baseFleet})
			writeRepo(t, dir, tt.files)
			got, _ := loadResult(t, func() (*fleet.Fleet, error) { return fleet.Load(dir) }, dir)
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("the registry got %d requests", n)
			}
		})
	}
}

// TestLoadIgnoresParentDirectories: a cue.mod planted above the repo (in a
// shared /tmp, say) changes nothing: no files of the parent join the fleet
// package and its module's packages cannot be imported.
func TestLoadIgnoresParentDirectories(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	writeRepo(t, parent, map[string]string{
		"cue.mod/module.cue": "module: \"planted.example@v0\"\nlanguage: version: \"v0.17.0\"\n",
		"planted.cue":        "package fleet\n\nshoots: planted: {project: \"a\", pools: p: {}}\n",
		"lib/lib.cue":        "package lib\n\ndescription: \"planted\"\n",
	})
	tests := []struct {
		name   string
		files  map[string]string
		want   string
		shoots int
	}{
		{name: "the parent's package files", files: map[string]string{"base.cue": baseFleet}},
		{
			name: "the parent's module's packages",
			files: map[string]string{
				"base.cue":   baseFleet,
				"shoots.cue": "package fleet\n\nimport \"planted.example/lib\"\n\nshoots: s: {project: \"a\", pools: p: {}, annotations: leak: lib.description}\n",
			},
			want: "shoots.cue:3:8: import failed: imports are unavailable because there is no cue.mod/module.cue file",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(parent, fmt.Sprintf("fleet%d", i))
			writeRepo(t, dir, tt.files)
			got, leaks := loadResult(t, func() (*fleet.Fleet, error) { return fleet.Load(dir) }, dir)
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if len(leaks) != tt.shoots {
				t.Errorf("got %d shoots, want %d", len(leaks), tt.shoots)
			}
		})
	}
}

// TestLoadRepoFromMemory: a Repo built in memory (as the Git source builds
// one) loads without a directory on disk, overlay included, and its
// positions name the repo's files.
func TestLoadRepoFromMemory(t *testing.T) {
	t.Parallel()
	build := func(t *testing.T, files map[string]string) *snapshot.Repo {
		t.Helper()
		r := snapshot.New("/nonexistent/fleet")
		for name, src := range files {
			if err := r.AddFile(name, []byte(src)); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	kustomization := "resources: []\n"
	f, err := fleet.LoadRepo(build(t, map[string]string{"base.cue": baseFleet, "kustomize/kustomization.yaml": kustomization}))
	if err != nil {
		t.Fatalf("LoadRepo: %v", err)
	}
	want := &fleet.Overlay{Dir: "/nonexistent/fleet/kustomize", Files: map[string][]byte{"kustomization.yaml": []byte(kustomization)}}
	if diff := cmp.Diff(want, f.Overlay); diff != "" {
		t.Errorf("overlay (-want +got):\n%s", diff)
	}

	r := build(t, map[string]string{"base.cue": baseFleet, "lib/shoots.cue": "package fleet\n", "shoots.cue": "package fleet\n\nshoots: s: {project: \"nope\", pools: p: {}}\n"})
	_, err = fleet.LoadRepo(r)
	got := strings.TrimSpace(fleet.Details(err, r.Name))
	if want := `shoots.cue:3:22: shoots.s.project: project "nope" is not declared in projects`; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
