package cli

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// fuzzBound bounds one fuzz input's load, render and write, as --timeout does.
const fuzzBound = 20 * time.Second

// FuzzRepo runs whole fleet repos, overlay included, through what render
// --out does: load, render, write. An input is a txtar archive of the repo's
// files ({srv} in them is a loopback server's URL). Whatever the input, the
// fleet may be refused but nothing may panic, reach the network, run a
// program, or write outside the output directory.
func FuzzRepo(f *testing.F) {
	w := newTripwire(f)
	root := f.TempDir()
	writeTree(f, root, map[string]string{"outside/secret.txt": hostileSecret})
	for _, kv := range w.env(root) {
		name, value, _ := strings.Cut(kv, "=")
		// The fuzz workers are this binary: they must run the fuzz target.
		if name != envMain {
			f.Setenv(name, value)
		}
	}
	for _, dir := range []string{"home", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(fuzzSeed(map[string]string{"fleet.cue": smallFleet}))
	example := map[string]string{}
	for _, name := range []string{"fleet.cue", "shoots.cue", "labs.cue", "kustomize/kustomization.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "fleet", name))
		if err != nil {
			f.Fatal(err)
		}
		example[name] = string(b)
	}
	f.Add(fuzzSeed(example))
	for _, tc := range hostileCases() {
		files := map[string]string{"fleet.cue": smallFleet}
		maps.Copy(files, tc.files)
		f.Add(fuzzSeed(files))
	}
	f.Add(fuzzSeed(map[string]string{
		"fleet.cue":                    smallFleet,
		"kustomize/kustomization.yaml": "patches:\n- path: patch.yaml\n",
		"kustomize/patch.yaml":         "apiVersion: core.gardener.cloud/v1beta1\nkind: Project\nmetadata:\n  name: ../x\n  annotations: {\"<<\": x}\n",
	}))

	f.Fuzz(func(t *testing.T, archive string) {
		out := filepath.Join(root, "out")
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		before := treeState(t, root)
		r := snapshot.New(filepath.Join(root, "repo"))
		for _, file := range txtar.Parse([]byte(archive)).Files {
			data := strings.ReplaceAll(string(file.Data), "{srv}", w.srv.URL)
			if r.AddFile(file.Name, []byte(data)) != nil {
				return // a repo no directory or Git tree can hold
			}
		}
		_, err := bounded(context.Background(), "fuzz", "rendering the fleet", fuzzBound, func(context.Context) (struct{}, error) {
			fl, err := fleet.LoadRepo(r)
			if err != nil {
				return struct{}{}, err
			}
			res, err := render.Fleet(fl)
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, writeOut(out, res)
		})
		// A refusal is fine; a panic (an internal error) is not.
		if err != nil && strings.Contains(err.Error(), "fuzz: internal error: ") {
			t.Fatal(err)
		}
		w.check(t)
		after := treeState(t, root)
		for name := range after {
			if name != "out" && !strings.HasPrefix(name, "out/") {
				continue
			}
			delete(after, name)
			if b, err := os.ReadFile(filepath.Join(root, name)); err == nil && strings.Contains(string(b), hostileSecret) {
				t.Errorf("the secret leaked into %s", name)
			}
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("files changed outside the output directory (-before +after):\n%s", diff)
		}
	})
}

// fuzzSeed encodes files as a txtar archive.
func fuzzSeed(files map[string]string) string {
	a := &txtar.Archive{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		a.Files = append(a.Files, txtar.File{Name: name, Data: []byte(files[name])})
	}
	return string(txtar.Format(a))
}
