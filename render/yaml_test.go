package render

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// roundTrip writes doc and reads it back with both a YAML 1.1 parser (the
// one kubectl and sigs.k8s.io/yaml use) and a YAML 1.2 parser.
func roundTrip(t *testing.T, doc map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	if err := encodeYAMLStream(&buf, []map[string]any{doc}); err != nil {
		t.Fatal(err)
	}
	want := normalize(t, doc)
	var got11 any
	if err := yaml.Unmarshal(buf.Bytes(), &got11); err != nil {
		t.Fatalf("YAML 1.1 parse: %v\n%s", err, buf.String())
	}
	if diff := cmp.Diff(want, normalize(t, got11)); diff != "" {
		t.Fatalf("YAML 1.1 round trip (-want +got):\n%s\n%s", diff, buf.String())
	}
	var got12 any
	if err := yamlv3.Unmarshal(buf.Bytes(), &got12); err != nil {
		t.Fatalf("YAML 1.2 parse: %v\n%s", err, buf.String())
	}
	if diff := cmp.Diff(want, normalize(t, got12)); diff != "" {
		t.Fatalf("YAML 1.2 round trip (-want +got):\n%s\n%s", diff, buf.String())
	}
}

// normalize maps a value through JSON so that number types compare equal.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestYAMLRoundTrip(t *testing.T) {
	t.Parallel()
	tricky := []string{
		"", " ", "a ", " a", "true", "True", "yes", "No", "on", "OFF", "y", "null", "~", "-", "- a", "a: b", "a #b",
		"1.36.2", "1.0", "012", "0x1F", "1e3", ".inf", "-.inf", ".nan", "12:30", "2026-11-24", "00 19 * * 1,2,3,4,5",
		"*alias", "&anchor", "!tag", "%dir", "@at", "`tick", "'single'", "\"double\"", "{a}", "[a]", "a,b", "?",
		"|", ">", "line\n", "two\nlines\n", "no trailing\nnewline", "trailing blank\n\n", "\n", " indented\nblock\n",
		"tab\there", "cr\r\n", "unicode ✓", "\u2028", "é", "a\u0085b", "del\x7f", "\u0080c1", "bom\ufeff", "Product teams' clusters", "=", "<<",
	}
	for _, s := range tricky {
		roundTrip(t, map[string]any{"k": s, s + "key": "v", "list": []any{s, map[string]any{"n": s}}})
	}
	roundTrip(t, map[string]any{
		"ints":   []any{int64(0), int64(-5), int64(1 << 40)},
		"floats": []any{0.5, -1.25, 1e21},
		"bools":  []any{true, false},
		"null":   nil,
		"empty":  map[string]any{"m": map[string]any{}, "l": []any{}},
		"nested": []any{[]any{"a", []any{"b"}}, []any{}, map[string]any{"x": []any{map[string]any{"y": "z"}}}},
	})
}

func TestRenderedExampleRoundTrips(t *testing.T) {
	t.Parallel()
	f := exampleFleetForTest(t)
	res, err := Fleet(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Objects {
		roundTrip(t, o.Object)
	}
}

func FuzzYAMLString(f *testing.F) {
	for _, s := range []string{"a", "1.2", "yes", "a: b", "x\ny\n", "é", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("rendered strings come from JSON and are valid UTF-8")
		}
		roundTrip(t, map[string]any{"k": s, "l": []any{s}, s: "v"})
	})
}
