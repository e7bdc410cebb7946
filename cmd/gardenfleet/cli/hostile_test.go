package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
	"github.com/gardenfleet/gardenfleet/hack/gitobjects"
	"github.com/gardenfleet/gardenfleet/hack/gitserver"
)

// hostileSecret is in a file outside every hostile repo and in the CLI's
// environment: no output may ever hold it.
const hostileSecret = "gardenfleet-hostile-suite-secret-7f3a"

// The commands every hostile repo goes through, by the name tables use.
const (
	cmdValidate  = "validate"
	cmdRender    = "render --dry-run"
	cmdOut       = "render --out"
	cmdPlan      = "plan -o markdown"
	cmdReconcile = "reconcile --once"
)

var localCommands = []string{cmdValidate, cmdRender, cmdOut, cmdPlan}

// tripwire is what a hostile repo must never reach: a loopback HTTP server
// (the URLs and the CUE registry hostile repos name), an HTTP proxy (where
// every other request would go), and fake programs first on PATH that
// leave a marker when run.
type tripwire struct {
	srv, proxy       *httptest.Server
	srvHits, proxied atomic.Int64
	bin, markers     string
}

func newTripwire(t testing.TB) *tripwire {
	t.Helper()
	w := &tripwire{bin: t.TempDir(), markers: t.TempDir()}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.srvHits.Add(1)
		fmt.Fprint(rw, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\n")
	}))
	t.Cleanup(w.srv.Close)
	w.proxy = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.proxied.Add(1)
		http.Error(rw, "no", http.StatusBadGateway)
	}))
	t.Cleanup(w.proxy.Close)
	for _, prog := range []string{"git", "git-upload-pack", "helm", "helmV3", "kustomize", "kubectl", "ssh", "cue"} {
		script := fmt.Sprintf("#!/bin/sh\necho \"$0 $*\" >> %q\nexit 1\n", filepath.Join(w.markers, prog))
		if err := os.WriteFile(filepath.Join(w.bin, prog), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// env is the CLI's environment: the fake programs first on PATH, every
// proxy variable at the counting proxy (loopback is never proxied), the
// CUE registry at the loopback server, HOME, caches and TMPDIR inside dir,
// and the secret.
func (w *tripwire) env(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "PATH", "HOME", "TMPDIR", "NO_PROXY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "KUBECONFIG",
			"XDG_CACHE_HOME", "XDG_CONFIG_HOME", "CUE_REGISTRY", "CUE_CACHE_DIR", "CUE_CONFIG_DIR":
			continue
		}
		env = append(env, kv)
	}
	for _, v := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"} {
		env = append(env, v+"="+w.proxy.URL)
	}
	home := filepath.Join(dir, "home")
	return append(env,
		"PATH="+w.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"TMPDIR="+filepath.Join(dir, "tmp"),
		"CUE_REGISTRY="+strings.TrimPrefix(w.srv.URL, "http://")+"+insecure",
		"GARDENFLEET_TEST_SECRET="+hostileSecret,
		envMain+"=1",
	)
}

// check reports every request and program run so far, and resets.
func (w *tripwire) check(t testing.TB) {
	t.Helper()
	if n := w.srvHits.Swap(0); n != 0 {
		t.Errorf("%d requests reached the loopback server", n)
	}
	if n := w.proxied.Swap(0); n != 0 {
		t.Errorf("%d requests reached the proxy", n)
	}
	ents, _ := os.ReadDir(w.markers)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(w.markers, e.Name()))
		t.Errorf("a program ran: %s", strings.TrimSpace(string(b)))
		_ = os.Remove(filepath.Join(w.markers, e.Name()))
	}
}

// treeState describes every entry below root without following symlinks or
// opening special files: mode, symlink target, content hash.
func treeState(t testing.TB, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := info.Mode().String()
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + target
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// hostileCase is a fleet repo written to test, plus what each command must
// make of it.
type hostileCase struct {
	name string
	// files of the repo; {srv} is the loopback server's URL, {outside} the
	// folder holding the secret.
	files map[string]string
	// setup makes what files cannot: symlinks, FIFOs, a planted cue.mod.
	setup func(t *testing.T, dir string)
	// refusal is the one issue validate and render print, exit 1; plan
	// lists it, and reconcile prints it when it is placed in a file (see
	// hostileWants).
	refusal string
	// want overrides the result refusal implies, by command; a command
	// mapped to nil is not run.
	want map[string]*cliWant
	// tree, with reconcile in want, is pushed instead of the repo: a tree
	// no directory can hold.
	tree func(t *testing.T, repo *gogit.Repository) plumbing.Hash
	// args are more flags for reconcile.
	args []string
}

// cliWant is a run's exit code and output; in stderr {url} is the Git
// repository's URL, {commit} the commit pushed; stdout, if set, is lines
// stdout must hold.
type cliWant struct {
	code   int
	stderr string
	stdout string
}

const (
	onlyRegular  = "; a fleet repo may hold only regular files and directories"
	notFleetPkg  = "every .cue file at the root of a fleet repo must be package fleet"
	noDeps       = "a fleet cannot depend on CUE modules: gardenfleet loads only the repo's own files and never contacts a module registry"
	overlayPath  = `refused: not a file of the overlay (an overlay may only use its own files)`
	overlayPlug  = `refused: an overlay may not configure kustomize plugins (their configurations can name programs, containers and remote files); use the kustomization's own fields`
	overlayHelm  = `refused: an overlay may not inflate Helm charts (that runs helm)`
	kustomizeErr = "kustomize/kustomization.yaml: "
	subdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	panicked     = "kustomize panicked: wrong node kind: expected ScalarNode but got MappingNode: node contents:"
	noImports    = "import failed: imports are unavailable because there is no cue.mod/module.cue file"
	// plantedImport imports a package of a module planted around the repo.
	plantedImport = "package fleet\n\nimport \"planted.example/lib\"\n\nshoots: cp: annotations: leak: lib.x\n"
	hostileCUE    = "module: \"fleet.example@v0\"\nlanguage: version: \"v0.17.0\"\n"
)

// embedding puts the file attr names into an annotation of the shoot of
// smallFleet, which reaches every output.
func embedding(attr string) string {
	return "@extern(embed)\n\npackage fleet\n\nshoots: cp: annotations: leak: _ @embed(" + attr + ")\n"
}

// embedSymlink is a repo that embeds (with attr) through a symlink link
// to target: refused as a symlink wherever the repo comes from.
func embedSymlink(name, attr, target, link string) hostileCase {
	return hostileCase{
		name:  name,
		files: map[string]string{"cue.mod/module.cue": hostileCUE, "embed.cue": embedding(attr)},
		setup: func(t *testing.T, dir string) {
			t.Helper()
			target := strings.ReplaceAll(target, "{outside}", filepath.Join(dir, "outside"))
			if err := os.Symlink(target, filepath.Join(dir, "repo", link)); err != nil {
				t.Fatal(err)
			}
		},
		refusal: "repo/" + link + ": is a symlink" + onlyRegular,
		want:    map[string]*cliWant{cmdReconcile: {code: 1, stderr: fmt.Sprintf("build fleet: read {url} at branch main: commit {commit}: %q: is a symlink%s\n", link, onlyRegular)}},
	}
}

// validRun is what the local commands make of a valid fleet of two objects.
func validRun() map[string]*cliWant {
	return map[string]*cliWant{
		cmdValidate: {stdout: "fleet is valid: 1 projects, 1 shoots (1 workerless), 0 labs, 2 objects"},
		cmdRender:   {stdout: "kind: Shoot"},
		cmdOut:      {},
		cmdPlan:     {stdout: "| added | Shoot | garden-a | cp |  |"},
	}
}

func hostileCases() []hostileCase {
	// overlay is a hostile kustomization over smallFleet.
	overlay := func(name, kustomization, refusal string) hostileCase {
		return hostileCase{
			name:    name,
			files:   map[string]string{"kustomize/kustomization.yaml": kustomization},
			refusal: kustomizeErr + refusal,
		}
	}
	cases := []hostileCase{
		embedSymlink("embed a symlink to a file outside", `file="link.txt", type=text`, "{outside}/secret.txt", "link.txt"),
		embedSymlink("embed a symlink to /proc/self/environ", `file="env.txt", type=text`, "/proc/self/environ", "env.txt"),
		embedSymlink("embed by glob through a symlinked directory", `glob="lib/*.txt", type=text`, "{outside}/lib", "lib"),
		{
			name: "a FIFO",
			setup: func(t *testing.T, dir string) {
				if err := syscall.Mkfifo(filepath.Join(dir, "repo", "data.cue"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			refusal: "repo/data.cue: is not a regular file" + onlyRegular,
		},
		{
			name: "cue.mod with deps",
			files: map[string]string{
				"cue.mod/module.cue": hostileCUE + "deps: \"dep.example@v0\": v: \"v0.1.0\"\n",
				"dep.cue":            "package fleet\n\nimport \"dep.example/lib\"\n\nshoots: cp: annotations: leak: lib.x\n",
			},
			refusal: "repo/cue.mod/module.cue:3:1: " + noDeps,
		},
		{
			name:  "cue.mod planted in a parent folder",
			files: map[string]string{"planted.cue": plantedImport},
			setup: func(t *testing.T, dir string) {
				writeTree(t, dir, map[string]string{
					"cue.mod/module.cue": "module: \"planted.example@v0\"\nlanguage: version: \"v0.17.0\"\n",
					"lib/lib.cue":        "package lib\n\nx: \"planted\"\n",
				})
			},
			refusal: "repo/planted.cue:3:8: " + noImports,
			// A Git tree has no parent folder: see the next case.
			want: map[string]*cliWant{cmdReconcile: nil},
		},
		{
			name: "cue.mod at the root of a Git repository, the fleet at --path",
			tree: func(t *testing.T, repo *gogit.Repository) plumbing.Hash {
				o := gitobjects.New(t, repo)
				return o.Tree(
					gitobjects.Entry("cue.mod", filemode.Dir, o.Tree(gitobjects.Entry("module.cue", filemode.Regular, o.Blob("module: \"planted.example@v0\"\nlanguage: version: \"v0.17.0\"\n")))),
					gitobjects.Entry("fleet", filemode.Dir, o.Tree(
						gitobjects.Entry("fleet.cue", filemode.Regular, o.Blob(smallFleet)),
						gitobjects.Entry("planted.cue", filemode.Regular, o.Blob(plantedImport)))),
					gitobjects.Entry("lib", filemode.Dir, o.Tree(gitobjects.Entry("lib.cue", filemode.Regular, o.Blob("package lib\n\nx: \"planted\"\n")))),
				)
			},
			args: []string{"--path", "fleet"},
			want: map[string]*cliWant{cmdReconcile: {code: 1, stderr: "fleet is invalid: 1 error:\nfleet/planted.cue:3:8: " + noImports + "\n"}},
		},
		{
			name:    "a file not of package fleet",
			files:   map[string]string{"other.cue": "package other\n\nshoots: x: {}\n"},
			refusal: "repo/other.cue:1:9: package other: " + notFleetPkg,
		},
		{
			name:    "cue.mod replacing modules",
			files:   map[string]string{"cue.mod/module.cue": hostileCUE, "cue.mod/local-module.cue": "deps: {}\n"},
			refusal: "repo/cue.mod/local-module.cue:1:1: a fleet cannot replace CUE modules: gardenfleet loads only the repo's own files",
		},
		{
			name: "a Git tree with a symlink and a directory of one name",
			tree: func(t *testing.T, repo *gogit.Repository) plumbing.Hash {
				o := gitobjects.New(t, repo)
				fleetTree := o.Tree(gitobjects.Entry("fleet.cue", filemode.Regular, o.Blob(smallFleet)))
				return o.Tree(gitobjects.Entry("fleet", filemode.Symlink, o.Blob("/etc")), gitobjects.Entry("fleet", filemode.Dir, fleetTree))
			},
			args: []string{"--path", "fleet"},
			want: map[string]*cliWant{cmdReconcile: {code: 1, stderr: `build fleet: read {url} at branch main: commit {commit}: "fleet": appears twice in the tree` + "\n"}},
		},
		{
			name: "a Git tree with a .git lookalike",
			tree: func(t *testing.T, repo *gogit.Repository) plumbing.Hash {
				o := gitobjects.New(t, repo)
				hooks := o.Tree(gitobjects.Entry("hooks", filemode.Dir, o.Tree(gitobjects.Entry("post-checkout", filemode.Executable, o.Blob("#!/bin/sh\ntouch /tmp/pwned\n")))))
				return o.Tree(gitobjects.Entry(".GIT", filemode.Dir, hooks), gitobjects.Entry("fleet.cue", filemode.Regular, o.Blob(smallFleet)))
			},
			want: map[string]*cliWant{cmdReconcile: {code: 1, stderr: `build fleet: read {url} at branch main: commit {commit}: ".GIT": is named like .git` + "\n"}},
		},
		{
			name: "render --out: a name set by the overlay",
			files: map[string]string{"kustomize/kustomization.yaml": "patches:\n- target: {kind: Project}\n  patch: |\n" +
				"    - op: replace\n      path: /metadata/name\n      value: /../../x/victim\n"},
			// Refused by render itself, before it is a file name or a
			// request, by every command.
			refusal: kustomizeErr + `Project "/../../x/victim": invalid metadata.name: ` + subdomainMsg,
		},
		{
			name: "render --out: a symlink in DIR",
			setup: func(t *testing.T, dir string) {
				writeTree(t, dir, map[string]string{"out/.gardenfleet-render": ""})
				if err := os.Symlink(filepath.Join(dir, "outside"), filepath.Join(dir, "out", "project__a.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			want: func() map[string]*cliWant {
				w := validRun()
				w[cmdOut] = &cliWant{code: 2, stderr: "error: writing out: project__a.yaml is a symlink or special file; render --out writes only regular files\n"}
				return w
			}(),
		},
		overlay("kustomize patches.path URL", "patches:\n- path: {srv}/p.yaml\n", `patches[0].path: "{srv}/p.yaml" `+overlayPath),
		overlay("kustomize configMapGenerator files URL", "configMapGenerator:\n- name: c\n  files:\n  - {srv}/f\n", `configMapGenerator[0].files[0]: "{srv}/f" `+overlayPath),
		overlay("kustomize openapi URL", "openapi:\n  path: {srv}/schema.json\n", `openapi.path: "{srv}/schema.json" `+overlayPath),
		overlay("kustomize transformers", "transformers:\n- {srv}/t.yaml\n", "transformers: "+overlayPlug),
		overlay("kustomize crds URL", "crds:\n- {srv}/crd.yaml\n", `crds[0]: "{srv}/crd.yaml" `+overlayPath),
		overlay("kustomize replacements URL", "replacements:\n- path: {srv}/r.yaml\n", `replacements[0].path: "{srv}/r.yaml" `+overlayPath),
		overlay("kustomize helmCharts", "helmCharts:\n- name: x\n  repo: {srv}\n  version: 1.0.0\n", "helmCharts: "+overlayHelm),
		{
			name: "an overlay adding a Fleet (the daemon may patch Fleets)",
			files: map[string]string{
				"kustomize/kustomization.yaml": "resources:\n- fleet.yaml\n",
				"kustomize/fleet.yaml": "apiVersion: gardenfleet.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: production\n  namespace: gardenfleet-system\n" +
					"spec:\n  deletionGuard: {allowShootDeletion: true, maxShootPercent: 100}\n",
			},
			refusal: kustomizeErr + `gardenfleet.dev/v1alpha1 Fleet "production": refused: an overlay may not produce gardenfleet's own objects (Fleets), Leases or Events, which the daemon may write`,
		},
		overlay("kustomize a path outside the overlay", "resources:\n- ../fleet.cue\n", `resources[0]: "../fleet.cue" `+overlayPath),
		{
			name: "an annotation key \"\" (kustomize panics)",
			files: map[string]string{
				"annotate.cue":                 "package fleet\n\nshoots: cp: annotations: \"\": \"x\"\n",
				"kustomize/kustomization.yaml": "resources: []\n",
			},
			refusal: kustomizeErr + panicked + "\n{}\n",
			// Markdown puts an issue on one line.
			want: map[string]*cliWant{cmdPlan: {code: 1, stdout: "- " + kustomizeErr + panicked + " {} ", stderr: "fleet is invalid: 1 error\n"}},
		},
		{
			// "<<" (a merge key) is no annotation key Gardener admits.
			name: "YAML keys that resolve to other types survive the overlay",
			files: map[string]string{
				"keys.cue":                     "package fleet\n\ndefaults: annotations: {\"0x10\": \"hex\", \"2024-01-01\": \"date\", \"null\": \"n\", \"true\": \"t\"}\n",
				"kustomize/kustomization.yaml": "labels:\n- pairs: {team: a}\n",
			},
			want: func() map[string]*cliWant {
				w := validRun()
				w[cmdRender] = &cliWant{stdout: `    "0x10": hex` + "\n" + `    "2024-01-01": date` + "\n" + `    "null": "n"` + "\n" + `    "true": t`}
				return w
			}(),
		},
	}
	for _, spelling := range []string{"git::github.com/org/repo", "github.com:org/repo", "GITHUB.COM/org/repo", "user@host:repo"} {
		cases = append(cases, overlay("kustomize resources "+spelling, "resources:\n- "+spelling+"\n", fmt.Sprintf(`resources[0]: %q %s`, spelling, overlayPath)))
	}
	return cases
}

// TestHostileRepos runs every command on hostile fleet repos: each is
// refused with its exact message, and nothing is read outside the repo,
// written outside --out, fetched or spawned.
func TestHostileRepos(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	git, err := gitserver.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = git.Stop() })
	for i, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A tripwire of its own: what one case reaches is not reported by another.
			w := newTripwire(t)
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{
				"outside/secret.txt":        hostileSecret,
				"outside/lib/secret.txt":    hostileSecret,
				"kubeconfig.yaml":           unreachableKubeconfig,
				"home/.keep":                "",
				"tmp/.keep":                 "",
				"repo/fleet.cue":            smallFleet,
				"repo/" + smallCloudProfile: hostile.ValidCloudProfile,
			})
			// The test binary, run as the CLI, makes this cache in an
			// init (controller-runtime's envtest): gardenfleet does not.
			if err := os.MkdirAll(filepath.Join(dir, "home/.cache/kubebuilder-envtest"), 0o750); err != nil {
				t.Fatal(err)
			}
			// plan reads its base from the Git work tree around the repo.
			baseCommit(t, dir)
			files := map[string]string{}
			for name, content := range tc.files {
				content = strings.ReplaceAll(content, "{srv}", w.srv.URL)
				files["repo/"+name] = strings.ReplaceAll(content, "{outside}", filepath.Join(dir, "outside"))
			}
			writeTree(t, dir, files)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			url, commit := git.URL(fmt.Sprintf("case%d", i)), ""
			wants := hostileWants(tc, w.srv.URL)
			if _, ok := wants[cmdReconcile]; ok {
				commit = pushHostile(ctx, t, git, fmt.Sprintf("case%d", i), filepath.Join(dir, "repo"), tc.tree)
			}
			for _, command := range append(slices.Clone(localCommands), cmdReconcile) {
				want := wants[command]
				if want == nil {
					continue
				}
				t.Run(command, func(t *testing.T) {
					args := map[string][]string{
						cmdValidate:  {"validate", "repo"},
						cmdRender:    {"render", "--dry-run", "repo"},
						cmdOut:       {"render", "--out", "out", "repo"},
						cmdPlan:      {"plan", "-o", "markdown", "repo"},
						cmdReconcile: append([]string{"reconcile", "--once", "--repo", url, "--kubeconfig", "kubeconfig.yaml"}, tc.args...),
					}[command]
					before := treeState(t, dir)
					got := runHostile(t, w, dir, args...)
					wantStderr := strings.NewReplacer("{url}", url, "{commit}", commit).Replace(want.stderr)
					if got.code != want.code || got.stderr != wantStderr || !hasLine(got.stdout, want.stdout) {
						t.Errorf("gardenfleet %s: exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", strings.Join(args, " "), got.code, got.stderr, want.code, wantStderr)
						if want.stdout != "" {
							t.Errorf("stdout:\n%s\nwant the line(s):\n%s", got.stdout, want.stdout)
						}
					}
					w.check(t)
					after := treeState(t, dir)
					written := ""
					for name := range after {
						if command == cmdOut && got.code == 0 && strings.HasPrefix(name, "out/") {
							b, _ := os.ReadFile(filepath.Join(dir, name))
							written += string(b)
							delete(after, name)
							delete(before, name)
						}
					}
					if command == cmdOut && got.code == 0 {
						delete(after, "out")
						delete(before, "out")
					}
					if diff := cmp.Diff(before, after); diff != "" {
						t.Errorf("files changed outside --out (-before +after):\n%s", diff)
					}
					for _, out := range []string{got.stdout, got.stderr, written} {
						if strings.Contains(out, hostileSecret) {
							t.Errorf("the secret leaked into the output:\n%s", out)
						}
					}
				})
			}
		})
	}
}

// hostileWants is what each command must make of tc.
func hostileWants(tc hostileCase, srv string) map[string]*cliWant {
	wants := map[string]*cliWant{}
	if tc.refusal != "" {
		refusal := strings.ReplaceAll(tc.refusal, "{srv}", srv)
		for _, c := range []string{cmdValidate, cmdRender, cmdOut} {
			wants[c] = &cliWant{code: 1, stderr: "fleet is invalid: 1 error:\n" + refusal + "\n"}
		}
		wants[cmdPlan] = &cliWant{code: 1, stdout: "- " + refusal, stderr: "fleet is invalid: 1 error\n"}
		switch pos := positioned.FindStringSubmatch(refusal); {
		case pos != nil:
			// plan marks the position as code; reconcile names the
			// file in the repository.
			wants[cmdPlan].stdout = "- `" + pos[1] + pos[2] + "`: " + pos[3]
			wants[cmdReconcile] = &cliWant{code: 1, stderr: "fleet is invalid: 1 error:\n" + pos[2] + ": " + pos[3] + "\n"}
		case strings.HasPrefix(refusal, kustomizeErr):
			// The overlay's message names its file in the fleet.
			wants[cmdReconcile] = &cliWant{code: 1, stderr: "fleet is invalid: 1 error:\n" + refusal + "\n"}
		}
	}
	for c, want := range tc.want {
		if want != nil {
			want.stderr = strings.ReplaceAll(want.stderr, "{srv}", srv)
		}
		wants[c] = want
	}
	return wants
}

// positioned is an issue with a position in a file of the repo.
var positioned = regexp.MustCompile(`^(repo/)([^:]+:\d+:\d+): (.*)$`)

// hasLine reports whether text holds want as whole lines.
func hasLine(text, want string) bool {
	return want == "" || strings.Contains("\n"+text+"\n", "\n"+want+"\n")
}

// runHostile runs the CLI in dir in the tripwire's environment.
func runHostile(t *testing.T, w *tripwire, dir string, args ...string) cliRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir, cmd.Env = dir, w.env(dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return waitCLI(t, cmd, &stdout, &stderr)
}

// baseCommit makes dir a Git work tree with one empty commit, as plan's base.
func baseCommit(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=main"},
		{"-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "--allow-empty", "-m", "base"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
}

// pushHostile puts the repo directory, or the tree tree makes, on the
// branch main of a new repository of git and returns the commit.
func pushHostile(ctx context.Context, t *testing.T, git *gitserver.Server, name, dir string, tree func(*testing.T, *gogit.Repository) plumbing.Hash) string {
	t.Helper()
	if err := git.CreateRepo(ctx, name); err != nil {
		t.Fatal(err)
	}
	if tree == nil {
		commit, err := git.PushDir(ctx, name, dir, "hostile")
		if err != nil {
			t.Fatal(err)
		}
		return commit
	}
	repo, err := gogit.PlainOpen(filepath.Join(git.Root(), name+".git"))
	if err != nil {
		t.Fatal(err)
	}
	commit := gitobjects.New(t, repo).Commit(tree(t, repo))
	if err := repo.Storer.SetReference(plumbing.NewHashReference("refs/heads/main", commit)); err != nil {
		t.Fatal(err)
	}
	return commit.String()
}

// TestRepoURLCredentialsNeverPrinted: a token in --repo is never printed,
// whether the URL parses or not, and a URL that does not is refused before
// any request.
func TestRepoURLCredentialsNeverPrinted(t *testing.T) {
	t.Parallel()
	w := newTripwire(t)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"kubeconfig.yaml": unreachableKubeconfig})
	if err := os.MkdirAll(filepath.Join(dir, "home/.cache/kubebuilder-envtest"), 0o750); err != nil {
		t.Fatal(err)
	}
	const token = hostileSecret
	tests := []struct {
		repo       string
		wantStderr string
	}{
		{"https://user:" + token + "@host:badport/x.git", "error: --repo https://xxxxx@host:badport/x.git: invalid repository url https://xxxxx@host:badport/x.git\n"},
		{"https://user:" + token + "@exa mple.com/x.git", "error: --repo https://xxxxx@exa mple.com/x.git: invalid repository url https://xxxxx@exa mple.com/x.git\n"},
		{"https://" + token + "@[::1/x.git", "error: --repo https://xxxxx@[::1/x.git: invalid repository url https://xxxxx@[::1/x.git\n"},
		{"https://user:" + token + "%zz@host/x.git", "error: --repo https://xxxxx@host/x.git: invalid repository url https://xxxxx@host/x.git\n"},
		{"ftp://user:" + token + "@host/x.git", "error: --repo ftp://xxxxx@host/x.git: unsupported url scheme \"ftp\"\n"},
		{"user:" + token + "@host:repo.git", "error: --repo user:xxxxx@host:repo.git: credentials do not fit the url: a password in an ssh url; ssh authenticates with a key\n"},
		{"ssh://user:" + token + "@host/x.git", "error: --repo ssh://user:xxxxx@host/x.git: credentials do not fit the url: a password in an ssh url; ssh authenticates with a key\n"},
		{"git://user:" + token + "@host/x.git", "error: --repo git://xxxxx@host/x.git: credentials do not fit the url: credentials in a git url\n"},
		{"file://user:" + token + "@host/x.git", "error: --repo file://xxxxx@host/x.git: credentials do not fit the url: credentials in a file url\n"},
	}
	for _, tt := range tests {
		t.Run(tt.wantStderr, func(t *testing.T) {
			before := treeState(t, dir)
			got := runHostile(t, w, dir, "reconcile", "--once", "--repo", tt.repo, "--kubeconfig", "kubeconfig.yaml")
			if got.code != ExitUsage || got.stderr != tt.wantStderr || got.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2, stderr:\n%s", got.code, got.stdout, got.stderr, tt.wantStderr)
			}
			w.check(t)
			if diff := cmp.Diff(before, treeState(t, dir)); diff != "" {
				t.Errorf("files changed (-before +after):\n%s", diff)
			}
		})
	}
}
