package preview

import (
	"encoding/json"
	"strconv"
	"strings"
)

// ownership is the set of fields one field manager owns in a live object,
// read from its metadata.managedFields. Server-side apply removes a field
// the applied object no longer sets only when the applier owns it; fields
// others own, and defaults, stay. So against a live object, a field only
// the base has is a removal only when the fleet's manager owns it.
type ownership struct {
	sets []map[string]any // FieldsV1 of each entry of the manager
}

// ownedBy returns the fields manager owns in obj, or nil when manager is
// empty (every field counts).
func ownedBy(obj map[string]any, manager string) *ownership {
	if manager == "" {
		return nil
	}
	o := &ownership{}
	meta, _ := obj["metadata"].(map[string]any)
	entries, _ := meta["managedFields"].([]any)
	for _, e := range entries {
		entry, ok := e.(map[string]any)
		if !ok || entry["manager"] != manager {
			continue
		}
		if set, ok := entry["fieldsV1"].(map[string]any); ok {
			o.sets = append(o.sets, set)
		}
	}
	return o
}

// has reports whether the manager owns the field at path: the FieldsV1 tree
// holds every step of it, or an empty set on the way (an atomic value,
// owned as a whole).
func (o *ownership) has(path []elem) bool {
	for _, set := range o.sets {
		if hasPath(set, path) {
			return true
		}
	}
	return false
}

func hasPath(set map[string]any, path []elem) bool {
	node := set
	for _, e := range path {
		if len(node) == 0 {
			return true
		}
		child, ok := node[fieldsKey(node, e)].(map[string]any)
		if !ok {
			return false
		}
		node = child
	}
	return true
}

// fieldsKey returns the FieldsV1 key of e within node: "f:<field>",
// "k:{...}" for an item matched by key, "i:<index>" otherwise.
func fieldsKey(node map[string]any, e elem) string {
	switch {
	case !e.isItem():
		return "f:" + e.field
	case e.key != "":
		for k := range node {
			rest, ok := strings.CutPrefix(k, "k:")
			if !ok {
				continue
			}
			var key map[string]any
			if json.Unmarshal([]byte(rest), &key) == nil && key[e.key] == e.value {
				return k
			}
		}
		return ""
	default:
		return "i:" + strconv.Itoa(e.index)
	}
}
