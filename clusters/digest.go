package clusters

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// setDigest stamps obj with DigestAnnotation, a digest of everything else in
// it. An unchanged desired object has an unchanged digest, and any change to
// it (a field added or removed) changes the digest.
func setDigest(obj *unstructured.Unstructured) error {
	annotations := obj.GetAnnotations()
	delete(annotations, DigestAnnotation)
	if len(annotations) == 0 {
		// An empty map would encode as "annotations": {} and change the digest.
		annotations = nil
	}
	obj.SetAnnotations(annotations)
	// encoding/json sorts map keys, so equal objects encode equally.
	b, err := json.Marshal(obj.Object)
	if err != nil {
		return fmt.Errorf("encode for digest: %w", err)
	}
	sum := sha256.Sum256(b)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[DigestAnnotation] = "sha256:" + hex.EncodeToString(sum[:16])
	obj.SetAnnotations(annotations)
	return nil
}

// unchangedLocally reports, without asking the API server, whether applying
// desired to live would be a no-op: live carries desired's digest (so desired
// is what was applied last, with nothing removed since) and every field of
// desired has the same value in live (so nobody changed them since). Fields
// only live has (defaults, other managers' fields, status) do not matter, as
// server-side apply leaves them alone too. A false answer only costs a dry run.
func unchangedLocally(desired, live *unstructured.Unstructured) bool {
	if live.GetAnnotations()[DigestAnnotation] != desired.GetAnnotations()[DigestAnnotation] {
		return false
	}
	if live.GetDeletionTimestamp() != nil {
		return false
	}
	if !subset(toAny(desired.GetLabels()), toAny(live.GetLabels())) ||
		!subset(toAny(desired.GetAnnotations()), toAny(live.GetAnnotations())) {
		return false
	}
	for k, v := range desired.Object {
		if k == "metadata" || k == "status" {
			continue
		}
		if !subset(v, live.Object[k]) {
			return false
		}
	}
	return true
}

func toAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// subset reports whether want is contained in got: maps by key (extra keys in
// got allowed), lists element by element with equal length, numbers by value.
func subset(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return len(w) == 0 && got == nil
		}
		for k, wv := range w {
			gv, found := g[k]
			if !found {
				if wv == nil {
					continue
				}
				return false
			}
			if !subset(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok {
			return len(w) == 0 && got == nil
		}
		if len(w) != len(g) {
			return false
		}
		for i := range w {
			if !subset(w[i], g[i]) {
				return false
			}
		}
		return true
	}
	if wf, ok := number(want); ok {
		gf, ok := number(got)
		return ok && wf == gf
	}
	return reflect.DeepEqual(want, got)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
