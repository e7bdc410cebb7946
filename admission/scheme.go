package admission

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	securityinstall "github.com/gardener/gardener/pkg/apis/security/install"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// scheme is gardener-apiserver's for the groups judged: its defaulting and
// conversion functions are the ones the apiserver runs.
var scheme = apiruntime.NewScheme()

func init() {
	coreinstall.Install(scheme)
	securityinstall.Install(scheme)
}

var labelsEverything = labels.Everything()

// typed decodes o into the versioned Go type Gardener's scheme has for it.
func typed(o *unstructured.Unstructured) (apiruntime.Object, error) {
	gvk := o.GroupVersionKind()
	obj, err := scheme.New(gvk)
	if err != nil {
		return nil, fmt.Errorf("admission: %s %s: %w", o.GetKind(), o.GetName(), err)
	}
	if err := apiruntime.DefaultUnstructuredConverter.FromUnstructured(o.Object, obj); err != nil {
		return nil, fmt.Errorf("decoding %s %s: %w", o.GetKind(), o.GetName(), err)
	}
	return obj, nil
}

// maxDocBytes bounds one YAML document of garden objects.
const maxDocBytes = 16 << 20

// Decode reads the objects of a YAML or JSON stream (documents separated by
// ---), such as a file of CloudProfiles. name is for messages.
func Decode(name string, data []byte) ([]*unstructured.Unstructured, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReaderSize(bytes.NewReader(data), 64<<10))
	var out []*unstructured.Unstructured
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, n, err)
		}
		if len(doc) > maxDocBytes {
			return nil, fmt.Errorf("%s: document %d is larger than %d bytes", name, n, maxDocBytes)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var obj map[string]any
		if err := utilyaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, n, err)
		}
		if obj == nil {
			continue // only comments
		}
		u := &unstructured.Unstructured{Object: obj}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("%s: document %d: no apiVersion and kind", name, n)
		}
		out = append(out, u)
	}
}
