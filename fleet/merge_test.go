package fleet

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMergeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		base, over string
		want       string
	}{
		{"objects merge field by field", `{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"d":4,"e":5}}`, `{"a":1,"b":{"c":2,"d":4,"e":5}}`},
		{"lists are replaced whole", `{"l":[{"x":1,"y":2},{"x":3}]}`, `{"l":[{"x":9}]}`, `{"l":[{"x":9}]}`},
		{"an empty list replaces", `{"l":[1,2]}`, `{"l":[]}`, `{"l":[]}`},
		{"a scalar replaces an object", `{"a":{"b":1}}`, `{"a":"s"}`, `{"a":"s"}`},
		{"an object replaces a scalar", `{"a":"s"}`, `{"a":{"b":1}}`, `{"a":{"b":1}}`},
		{"no base", ``, `{"a":1}`, `{"a":1}`},
		{"no over", `{"a":1}`, ``, `{"a":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := mergeJSON(json.RawMessage(tt.base), json.RawMessage(tt.over))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("mergeJSON(%s, %s) = %s, want %s", tt.base, tt.over, got, tt.want)
			}
		})
	}
}

// TestEveryListIsReplacedWhole walks every list field of the settings a
// layer may set (and of pool defaults) and holds each replaced whole by
// the more specific layer, between every pair of the four layers: a new
// list field is covered without touching this test.
func TestEveryListIsReplacedWhole(t *testing.T) {
	t.Parallel()
	for _, root := range []reflect.Type{reflect.TypeFor[settings](), reflect.TypeFor[PoolSettings]()} {
		lists := listPaths(root, nil)
		if len(lists) == 0 {
			t.Fatalf("no list fields found in %s", root)
		}
		for _, p := range lists {
			for lower := 0; lower < 4; lower++ {
				for upper := lower + 1; upper < 4; upper++ {
					name := fmt.Sprintf("%s/%s/layer%d-over-layer%d", root.Name(), strings.Join(p.fields, "."), upper, lower)
					t.Run(name, func(t *testing.T) {
						layers := make([]json.RawMessage, 4)
						layers[lower] = nest(p.fields, []any{sample(p.elem, true, 1), sample(p.elem, true, 2)})
						layers[upper] = nest(p.fields, []any{sample(p.elem, false, 3)})
						merged, err := mergeLayers(layers...)
						if err != nil {
							t.Fatal(err)
						}
						got := reflect.New(root)
						if err := json.Unmarshal(merged, got.Interface()); err != nil {
							t.Fatal(err)
						}
						want := reflect.New(root)
						if err := json.Unmarshal(layers[upper], want.Interface()); err != nil {
							t.Fatal(err)
						}
						if diff := cmp.Diff(want.Interface(), got.Interface(), cmp.AllowUnexported(IntOrPercent{})); diff != "" {
							t.Errorf("merged %s (-the specific layer's list +got):\n%s", merged, diff)
						}
					})
				}
			}
		}
	}
}

type listPath struct {
	fields []string
	elem   reflect.Type
}

// listPaths returns the JSON paths of every list field below t, reached
// through objects (a list inside a list is replaced with its outer list).
func listPaths(t reflect.Type, prefix []string) []listPath {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []listPath
	switch t.Kind() {
	case reflect.Struct:
		for f := range t.Fields() {
			name := jsonName(f)
			if name == "" {
				continue
			}
			out = append(out, listPaths(f.Type, append(append([]string(nil), prefix...), name))...)
		}
	case reflect.Slice:
		if t != reflect.TypeFor[json.RawMessage]() {
			out = append(out, listPath{fields: prefix, elem: t.Elem()})
		}
	}
	return out
}

func jsonName(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	if tag == "" {
		return f.Name
	}
	return tag
}

func nest(fields []string, v any) json.RawMessage {
	for i := len(fields) - 1; i >= 0; i-- {
		v = map[string]any{fields[i]: v}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// sample is a value of type t as JSON would hold it: with every field set
// when full, else with its first field only; variant tells samples apart.
func sample(t reflect.Type, full bool, variant int) any {
	switch t {
	case reflect.TypeFor[json.RawMessage]():
		return fmt.Sprintf("day%d", variant)
	case reflect.TypeFor[IntOrPercent]():
		return variant
	case reflect.TypeFor[CloudProfileRef]():
		return map[string]any{"kind": "CloudProfile", "name": fmt.Sprintf("p%d", variant)}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return sample(t.Elem(), full, variant)
	case reflect.Struct:
		obj := map[string]any{}
		for f := range t.Fields() {
			name := jsonName(f)
			if name == "" {
				continue
			}
			obj[name] = sample(f.Type, full, variant)
			if !full {
				break
			}
		}
		return obj
	case reflect.Slice:
		return []any{sample(t.Elem(), full, variant)}
	case reflect.Map:
		return map[string]any{fmt.Sprintf("k%d", variant): sample(t.Elem(), full, variant)}
	case reflect.String:
		return fmt.Sprintf("v%d", variant)
	case reflect.Bool:
		return variant%2 == 1
	case reflect.Int, reflect.Int32, reflect.Int64:
		return variant
	case reflect.Interface:
		return fmt.Sprintf("any%d", variant)
	}
	panic(fmt.Sprintf("no sample for %s", t))
}
