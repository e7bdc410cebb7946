package preview

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gardenfleet/gardenfleet/reconciler/planner"
)

// ListedCatalog is a catalog of the versions listed, each supported: what
// upgrade-path plans with when no CloudProfile is given.
func ListedCatalog(listed []planner.Version) (*planner.Catalog, error) {
	listed = slices.Clone(listed)
	slices.SortFunc(listed, planner.Version.Compare)
	listed = slices.Compact(listed)
	versions := make([]planner.ProfileVersion, len(listed))
	for i, v := range listed {
		versions[i] = planner.ProfileVersion{Version: v, Classification: planner.Supported}
	}
	return planner.NewCatalog(versions)
}

// pathJSON is upgrade-path's JSON output.
type pathJSON struct {
	Steps []stepJSON `json:"steps"`
	// Kept lists live versions left ahead of Git; no pool means the
	// control plane.
	Kept []keptJSON `json:"kept,omitempty"`
}

type stepJSON struct {
	ControlPlane planner.Version            `json:"controlPlane"`
	Pools        map[string]planner.Version `json:"pools"`
}

type keptJSON struct {
	Pool    string          `json:"pool,omitempty"`
	Desired planner.Version `json:"desired"`
	Live    planner.Version `json:"live"`
}

// WritePathJSON writes an upgrade path as upgrade-path -o json does: the
// steps, each pool by name, and the versions kept.
func WritePathJSON(w io.Writer, res planner.Result) error {
	out := pathJSON{Steps: make([]stepJSON, len(res.Steps))}
	for i, s := range res.Steps {
		step := stepJSON{ControlPlane: s.ControlPlane, Pools: make(map[string]planner.Version, len(s.Pools))}
		for _, p := range s.Pools {
			step.Pools[p.Name] = p.Version
		}
		out.Steps[i] = step
	}
	for _, k := range res.Kept {
		out.Kept = append(out.Kept, keptJSON(k))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WritePathText writes an upgrade path from current for a terminal: one
// line per step with its changes, then the target.
func WritePathText(w io.Writer, current planner.Current, res planner.Result) error {
	var b strings.Builder
	prev := current.State()
	fmt.Fprintf(&b, "current: %s\n", prev)
	for _, k := range res.Kept {
		fmt.Fprintf(&b, "kept: %s\n", k)
	}
	if len(res.Steps) == 0 {
		b.WriteString("no steps: already at the target\n")
	}
	for i, s := range res.Steps {
		changes := planner.Changes(prev, s)
		parts := make([]string, len(changes))
		for j, c := range changes {
			parts[j] = c.String()
		}
		fmt.Fprintf(&b, "step %d: %s\n", i+1, strings.Join(parts, ", "))
		prev = s
	}
	if len(res.Steps) > 0 {
		fmt.Fprintf(&b, "target: %s\n", res.Target)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
