package bounded

import (
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/token"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/fleet"
)

// shootFields maps the start of a Gardener field path (below spec) to the
// fleet setting that renders it; the rest of the path, up to a list index,
// is kept, so spec.kubernetes.kubeAPIServer.x is kubernetes.kubeAPIServer.x.
var shootFields = []fieldMapping{
	{[]string{"provider", "infrastructureConfig", "partitionID"}, []string{"provider", "metal", "partition"}, false},
	{[]string{"provider", "infrastructureConfig", "firewall", "rateLimit"}, []string{"provider", "metal", "firewall", "rateLimits"}, false},
	{[]string{"provider", "infrastructureConfig"}, []string{"provider", "metal"}, true},
	{[]string{"cloudProfileName"}, []string{"cloudProfile"}, false},
	{[]string{"cloudProfile"}, []string{"cloudProfile"}, false},
	{[]string{"credentialsBindingName"}, []string{"credentialsBinding"}, false},
	{[]string{"provider", "controlPlaneConfig"}, []string{"provider", "metal"}, false},
	{[]string{"maintenance", "timeWindow"}, []string{"maintenance", "window"}, false},
	{[]string{"hibernation"}, []string{"hibernation"}, false},
	{[]string{"extensions"}, []string{"extensions"}, false},
	{nil, nil, false}, // any other field by its own name
}

// fieldMapping maps the start of a Gardener field path to a fleet
// setting; with rest, the rest of the path follows below it.
type fieldMapping struct {
	gardener, fleet []string
	rest            bool
}

// poolFields maps a worker's Gardener fields to the pool's settings.
var poolFields = []fieldMapping{
	{[]string{"machine", "type"}, []string{"machine"}, false},
	{[]string{"machine", "image"}, []string{"image"}, false},
	{[]string{"machine", "architecture"}, []string{"architecture"}, false},
	{[]string{"cri"}, []string{"cri"}, false},
	{nil, nil, false},
}

// fieldPos places a violation of Gardener's field path (spec.x.y[0].z) at
// the fleet setting that produced it: a raw shoot field (shoot: spec: ...)
// when one sets it, else the mapped setting, else its closest parent that
// a layer sets. ok is false when no setting of the fleet is found.
func fieldPos(pos *fleet.Positions, shoot string, rendered *unstructured.Unstructured, gardenerPath string) (token.Pos, bool) {
	steps := fieldSteps(gardenerPath)
	if len(steps) < 2 || steps[0] != "spec" {
		return token.NoPos, false
	}
	if at, ok := closest(func(f []string) (token.Pos, bool) { return pos.ShootField(shoot, f...) }, append([]string{"shoot"}, untilIndex(steps)...), 2); ok {
		return at, true
	}
	spec := steps[1:]
	if len(spec) >= 3 && spec[0] == "provider" && spec[1] == "workers" {
		pool, ok := workerName(rendered, spec[2])
		if !ok {
			return token.NoPos, false
		}
		fields := mapped(poolFields, untilIndex(spec[3:]))
		if at, ok := closest(func(f []string) (token.Pos, bool) { return pos.PoolField(shoot, pool, f...) }, fields, 1); ok {
			return at, true
		}
		return pos.PoolField(shoot, pool)
	}
	return closest(func(f []string) (token.Pos, bool) { return pos.ShootField(shoot, f...) }, mapped(shootFields, untilIndex(spec)), 1)
}

// closest tries fields, then shorter prefixes of it down to min fields.
func closest(at func([]string) (token.Pos, bool), fields []string, min int) (token.Pos, bool) {
	for n := len(fields); n >= min && n > 0; n-- {
		if at, ok := at(fields[:n]); ok {
			return at, true
		}
	}
	return token.NoPos, false
}

// mapped replaces the longest known start of path by its fleet setting.
func mapped(table []fieldMapping, path []string) []string {
	for _, m := range table {
		if len(path) >= len(m.gardener) && slices.Equal(path[:len(m.gardener)], m.gardener) {
			switch {
			case m.gardener == nil:
				return path
			case m.rest:
				return append(slices.Clone(m.fleet), path[len(m.gardener):]...)
			}
			// The mapped setting is where the value is written; deeper
			// Gardener fields have no fleet spelling of their own.
			return m.fleet
		}
	}
	return path
}

// untilIndex is path up to its first list index.
func untilIndex(path []string) []string {
	for i, s := range path {
		if strings.HasPrefix(s, "[") {
			return path[:i]
		}
	}
	return path
}

// fieldSteps splits spec.provider.workers[0].machine into spec, provider,
// workers, [0], machine.
func fieldSteps(p string) []string {
	var out []string
	for p != "" {
		switch p[0] {
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return append(out, p)
			}
			out, p = append(out, p[:end+1]), p[end+1:]
		case '.':
			p = p[1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out, p = append(out, p[:end]), p[end:]
		}
	}
	return out
}

// workerName is the name of the rendered worker at index "[i]".
func workerName(shoot *unstructured.Unstructured, index string) (string, bool) {
	if shoot == nil {
		return "", false
	}
	i, err := strconv.Atoi(strings.Trim(index, "[]"))
	if err != nil {
		return "", false
	}
	workers, _, _ := unstructured.NestedSlice(shoot.Object, "spec", "provider", "workers")
	if i < 0 || i >= len(workers) {
		return "", false
	}
	m, _ := workers[i].(map[string]any)
	name, _ := m["name"].(string)
	return name, name != ""
}
