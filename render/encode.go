package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// EncodeYAML writes objects as a multi-document YAML stream with sorted
// keys, lists at their key's indentation as kubectl writes them.
func EncodeYAML(w io.Writer, objs []*unstructured.Unstructured) error {
	docs := make([]map[string]any, len(objs))
	for i, o := range objs {
		docs[i] = o.Object
	}
	if err := encodeYAMLStream(w, docs); err != nil {
		return fmt.Errorf("encoding YAML: %w", err)
	}
	return nil
}

// EncodeJSON writes objects as a Kubernetes List.
func EncodeJSON(w io.Writer, objs []*unstructured.Unstructured) error {
	items := make([]map[string]any, len(objs))
	for i, o := range objs {
		items[i] = o.Object
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}

// FileName is the file an object is written to by `render --out`.
func FileName(o *unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s_%s_%s.yaml", strings.ToLower(o.GetKind()), ns, o.GetName())
	}
	return fmt.Sprintf("%s_%s.yaml", strings.ToLower(o.GetKind()), o.GetName())
}
