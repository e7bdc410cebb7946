package render

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// NOTE: rendered objects hold only JSON values (maps, lists, strings,
// int64, float64, bool, nil), so this writer covers exactly those. Generic
// YAML encoders spend most of their time deciding whether a string may go
// unquoted; here any string that is not plainly safe under YAML 1.1 and 1.2
// is written as a JSON string, which is valid YAML. A round-trip test and a
// fuzz target hold it to a real YAML parser.

// maxImplicitKey leaves room below YAML's 1024-character limit.
const maxImplicitKey = 1000

type yamlWriter struct {
	w   *bufio.Writer
	err error
}

func (y *yamlWriter) str(s string) {
	if y.err == nil {
		_, y.err = y.w.WriteString(s)
	}
}

func (y *yamlWriter) indent(n int) {
	for range n {
		y.str("  ")
	}
}

// writeYAMLDocument writes one document: a map at the top level.
func writeYAMLDocument(w *bufio.Writer, doc map[string]any) error {
	y := &yamlWriter{w: w}
	if len(doc) == 0 {
		y.str("{}\n")
		return y.err
	}
	y.mapping(doc, 0)
	return y.err
}

// mapping writes the keys of m at depth, sorted.
func (y *yamlWriter) mapping(m map[string]any, depth int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			y.indent(depth)
		}
		key := k
		if !plainSafe(k) {
			key = quoteYAML(k)
		}
		if len(key) > maxImplicitKey {
			// YAML limits implicit keys to 1024 characters.
			y.str("? ")
			y.str(key)
			y.str("\n")
			y.indent(depth)
		} else {
			y.str(key)
		}
		y.str(":")
		y.value(m[k], depth+1)
	}
}

// empty writes an empty map or list in flow style and reports whether v was one.
func (y *yamlWriter) empty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			y.str(" {}\n")
			return true
		}
	case []any:
		if len(x) == 0 {
			y.str(" []\n")
			return true
		}
	}
	return false
}

// value writes v after "key:" or "- "; it starts on the current line.
func (y *yamlWriter) value(v any, depth int) {
	if y.empty(v) {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		y.str("\n")
		y.indent(depth)
		y.mapping(x, depth)
	case []any:
		y.str("\n")
		for _, e := range x {
			// Lists sit at their key's indentation, as kubectl writes them.
			y.indent(depth - 1)
			y.str("-")
			y.listItem(e, depth)
		}
	case string:
		if block, ok := blockLiteral(x, depth); ok {
			y.str(" |\n")
			y.str(block)
			return
		}
		y.str(" ")
		y.scalarString(x)
		y.str("\n")
	default:
		y.str(" ")
		y.scalar(v)
		y.str("\n")
	}
}

// listItem writes a list element after "-".
func (y *yamlWriter) listItem(v any, depth int) {
	if y.empty(v) {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		y.str(" ")
		y.mapping(x, depth)
	case []any:
		// A list in a list: one element per line, nested one level deeper.
		y.str("\n")
		for _, e := range x {
			y.indent(depth)
			y.str("-")
			y.listItem(e, depth+1)
		}
	default:
		y.value(v, depth)
	}
}

func (y *yamlWriter) scalar(v any) {
	switch x := v.(type) {
	case nil:
		y.str("null")
	case bool:
		y.str(strconv.FormatBool(x))
	case int64:
		y.str(strconv.FormatInt(x, 10))
	case int:
		y.str(strconv.Itoa(x))
	case int32:
		y.str(strconv.FormatInt(int64(x), 10))
	case float64:
		switch {
		case math.IsNaN(x):
			y.str(".nan")
		case math.IsInf(x, 1):
			y.str(".inf")
		case math.IsInf(x, -1):
			y.str("-.inf")
		default:
			y.str(strconv.FormatFloat(x, 'g', -1, 64))
		}
	case json.Number:
		y.str(x.String())
	case string:
		y.scalarString(x)
	default:
		if y.err == nil {
			y.err = fmt.Errorf("cannot write %T as YAML", v)
		}
	}
}

func (y *yamlWriter) scalarString(s string) {
	if plainSafe(s) {
		y.str(s)
		return
	}
	y.str(quoteYAML(s))
}

// quoteYAML writes s as a double-quoted scalar, escaping everything YAML
// does not take literally there: quotes, backslashes, and characters that
// are not printable or that YAML 1.1 reads as line breaks (NEL, LS, PS).
func quoteYAML(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r >= 0xfffe && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// plainSafe reports whether s reads back as the same string when written
// unquoted, under both YAML 1.1 (kubectl, yaml.v2) and YAML 1.2 rules.
func plainSafe(s string) bool {
	if s == "" || len(s) > 1024 || s[len(s)-1] == ' ' {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '_') {
		// A leading digit, sign or dot could read as a number, date or
		// sexagesimal; such strings are quoted.
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == '/':
		case c == ' ', c == ',', c == '\'', c == '(', c == ')', c == '+', c == '@':
			// Indicators only at the start, which is a letter here.
		default:
			return false
		}
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf":
		return false
	}
	return true
}

// blockLiteral renders s as a literal block scalar's lines at depth when
// that reads back exactly: text ending in one newline, no leading space on
// the first line, no carriage returns, tabs or other control characters.
func blockLiteral(s string, depth int) (string, bool) {
	if !strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\n\n") || strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") {
		return "", false
	}
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff) {
			return "", false
		}
	}
	var b strings.Builder
	pad := strings.Repeat("  ", depth)
	for _, line := range strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n") {
		if line != "\n" {
			b.WriteString(pad)
		}
		b.WriteString(line)
	}
	b.WriteString("\n")
	return b.String(), true
}

// encodeYAMLStream writes documents separated by "---".
func encodeYAMLStream(w io.Writer, docs []map[string]any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for i, d := range docs {
		if i > 0 {
			if _, err := bw.WriteString("---\n"); err != nil {
				return err
			}
		}
		if err := writeYAMLDocument(bw, d); err != nil {
			return err
		}
	}
	return bw.Flush()
}
