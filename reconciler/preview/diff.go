package preview

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Op is what a change does to an object or a field.
type Op string

// The operations of a change.
const (
	Added   Op = "added"
	Removed Op = "removed"
	Changed Op = "changed"
)

// FieldChange is one field that differs between a base object and its new
// version. Whole maps that appear or disappear are broken down to their
// leaves, so every change names a single value.
type FieldChange struct {
	// Path names the field: "spec.kubernetes.version"; list items by key,
	// "spec.provider.workers[name=blue].maximum", else by index, "[0]";
	// keys that are not plain identifiers in brackets,
	// `metadata.annotations["cluster.metal-stack.io/tenant"]`.
	Path string `json:"path"`
	Op   Op     `json:"op"`
	// From is the base value, absent when the field is added; To is the new
	// one, absent when it is removed. Both are JSON values.
	From any `json:"from,omitempty"`
	To   any `json:"to,omitempty"`
}

// listKeys are the fields that identify the items of a list of objects, in
// order of preference: Gardener keys workers by name and extensions by type.
var listKeys = []string{"name", "type"}

// elem is one step of a field path.
type elem struct {
	field string // a map key; empty for a list item
	key   string // a list item's key field, e.g. "name"
	value string // that key's value
	index int    // a list item's index when it has no key
}

func (e elem) isItem() bool { return e.field == "" }

// isIdentifier reports whether a key can follow a dot in a path.
func isIdentifier(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
		case i > 0 && (r == '-' || '0' <= r && r <= '9'):
		default:
			return false
		}
	}
	return s != ""
}

func pathString(path []elem) string {
	var b strings.Builder
	for i, e := range path {
		switch {
		case !e.isItem() && isIdentifier(e.field):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e.field)
		case !e.isItem():
			b.WriteString("[" + strconv.Quote(e.field) + "]")
		case e.key != "":
			b.WriteString("[" + e.key + "=" + e.value + "]")
		default:
			b.WriteString("[" + strconv.Itoa(e.index) + "]")
		}
	}
	return b.String()
}

// differ collects the field changes between two JSON values.
type differ struct {
	out  []FieldChange
	path []elem
	// owned says whether a field only the base has counts as removed; nil
	// counts all of them (see ownership).
	owned *ownership
}

func (d *differ) push(e elem) { d.path = append(d.path, e) }
func (d *differ) pop()        { d.path = d.path[:len(d.path)-1] }

// diff compares the values at the current path.
func (d *differ) diff(a, b any) {
	switch a := a.(type) {
	case map[string]any:
		if b, ok := b.(map[string]any); ok {
			d.diffMaps(a, b)
			return
		}
	case []any:
		if b, ok := b.([]any); ok {
			d.diffLists(a, b)
			return
		}
	}
	if !equalJSON(a, b) {
		d.out = append(d.out, FieldChange{Path: pathString(d.path), Op: Changed, From: a, To: b})
	}
}

func (d *differ) diffMaps(a, b map[string]any) {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		av, inA := a[k]
		bv, inB := b[k]
		d.push(elem{field: k})
		switch {
		case inA && inB:
			d.diff(av, bv)
		case inB:
			d.leaves(bv, Added)
		default:
			d.leaves(av, Removed)
		}
		d.pop()
	}
}

// diffLists matches items by key when every item of both lists has a
// distinct one (the order of keyed items does not matter, as with Gardener's
// list maps), by index when the items are objects without keys, and compares
// lists of plain values as a whole.
func (d *differ) diffLists(a, b []any) {
	if key := listKey(a, b); key != "" {
		byKey := make(map[string]any, len(a))
		for _, item := range a {
			byKey[item.(map[string]any)[key].(string)] = item
		}
		seen := make(map[string]bool, len(b))
		for _, item := range b {
			v := item.(map[string]any)[key].(string)
			seen[v] = true
			d.push(elem{key: key, value: v})
			if old, ok := byKey[v]; ok {
				d.diff(old, item)
			} else {
				d.leaves(item, Added)
			}
			d.pop()
		}
		for _, item := range a {
			if v := item.(map[string]any)[key].(string); !seen[v] {
				d.push(elem{key: key, value: v})
				d.leaves(item, Removed)
				d.pop()
			}
		}
		return
	}
	if !allObjects(a) || !allObjects(b) {
		if !equalJSON(a, b) {
			d.out = append(d.out, FieldChange{Path: pathString(d.path), Op: Changed, From: a, To: b})
		}
		return
	}
	for i := range max(len(a), len(b)) {
		d.push(elem{index: i})
		switch {
		case i < len(a) && i < len(b):
			d.diff(a[i], b[i])
		case i < len(b):
			d.leaves(b[i], Added)
		default:
			d.leaves(a[i], Removed)
		}
		d.pop()
	}
}

// leaves records v at the current path as added or removed, one change per
// leaf of its maps and keyed lists.
func (d *differ) leaves(v any, op Op) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) > 0 {
			for _, k := range sortedKeys(v) {
				d.push(elem{field: k})
				d.leaves(v[k], op)
				d.pop()
			}
			return
		}
	case []any:
		if key := listKey(v, nil); key != "" && len(v) > 0 {
			for _, item := range v {
				d.push(elem{key: key, value: item.(map[string]any)[key].(string)})
				d.leaves(item, op)
				d.pop()
			}
			return
		}
	}
	if op == Removed && d.owned != nil && !d.owned.has(d.path) {
		return
	}
	c := FieldChange{Path: pathString(d.path), Op: op}
	if op == Added {
		c.To = v
	} else {
		c.From = v
	}
	d.out = append(d.out, c)
}

// listKey returns the field that identifies the items of both lists, or ""
// when there is none: every item must be an object with a distinct string
// value for it.
func listKey(a, b []any) string {
	if len(a)+len(b) == 0 {
		return ""
	}
	for _, key := range listKeys {
		if hasKey(a, key) && hasKey(b, key) {
			return key
		}
	}
	return ""
}

func hasKey(items []any, key string) bool {
	seen := make(map[string]bool, len(items))
	for _, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return false
		}
		v, ok := m[key].(string)
		if !ok || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

func allObjects(items []any) bool {
	for _, item := range items {
		if _, ok := item.(map[string]any); !ok {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// equalJSON compares JSON values, numbers by value whatever their Go type
// (rendered objects hold int64, decoded ones may hold float64).
func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equalJSON(av, bv) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	if an, ok := number(a); ok {
		bn, ok := number(b)
		return ok && an == bn
	}
	return a == b
}

// number returns a JSON number in a comparable form.
func number(v any) (string, bool) {
	switch n := v.(type) {
	case int:
		return strconv.FormatInt(int64(n), 10), true
	case int32:
		return strconv.FormatInt(int64(n), 10), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case float64:
		return strconv.FormatFloat(n, 'g', -1, 64), true
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return strconv.FormatInt(i, 10), true
		}
		return n.String(), true
	}
	return "", false
}

// formatValue renders a JSON value on one line.
func formatValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
