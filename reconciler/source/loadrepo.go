package source

import (
	"fmt"
	"os"
	"path"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// LoadRepo loads the fleet held in r. dir is the directory that positions in
// a validation error are below: pass it to fleet.Issues.
//
// TODO(integration): a stand-in for fleet.LoadRepo, which loads from the
// Repo's bytes alone. Replace the calls (reconciler/build.go,
// reconciler/preview/base/git.go) with it and delete this file. Until then r
// is written into a fresh temporary directory, through os.Root so that no
// name can leave it, and fleet.Load reads it there.
func LoadRepo(r *fleet.Repo) (f *fleet.Fleet, dir string, err error) {
	dir, err = os.MkdirTemp("", "gardenfleet-repo-")
	if err != nil {
		return nil, "", fmt.Errorf("load fleet: %w", err)
	}
	defer os.RemoveAll(dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, "", fmt.Errorf("load fleet: %w", err)
	}
	defer root.Close()
	for _, p := range r.Paths() {
		data, _ := r.File(p)
		if d := path.Dir(p); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return nil, "", fmt.Errorf("load fleet: %w", err)
			}
		}
		if err := root.WriteFile(p, data, 0o644); err != nil {
			return nil, "", fmt.Errorf("load fleet: %w", err)
		}
	}
	f, err = fleet.Load(dir)
	return f, dir, err
}
