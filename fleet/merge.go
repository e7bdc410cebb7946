package fleet

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// mergeLayers merges layers of settings as exported JSON, most general
// first: objects merge field by field, at every depth; lists and scalars
// are replaced whole by the more specific layer. Merging the JSON, not
// decoding each layer over the same Go value, is what keeps a list whole:
// encoding/json reuses a slice's old elements, so fields of a general
// layer's items would leak into the specific layer's items.
func mergeLayers(layers ...json.RawMessage) (json.RawMessage, error) {
	var out json.RawMessage
	for _, l := range layers {
		var err error
		if out, err = mergeJSON(out, l); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MergeJSON merges over onto base as layers merge (see mergeLayers):
// render merges a shoot's raw Shoot fields over the rendered Shoot by the
// same rule.
func MergeJSON(base, over json.RawMessage) (json.RawMessage, error) { return mergeJSON(base, over) }

// mergeJSON merges over onto base; see mergeLayers.
func mergeJSON(base, over json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(over)) == 0 {
		return base, nil
	}
	if !isObject(base) || !isObject(over) {
		return over, nil
	}
	var b, o map[string]json.RawMessage
	if err := json.Unmarshal(base, &b); err != nil {
		return nil, fmt.Errorf("merging layers: %w", err)
	}
	if err := json.Unmarshal(over, &o); err != nil {
		return nil, fmt.Errorf("merging layers: %w", err)
	}
	for k, v := range o {
		merged, err := mergeJSON(b[k], v)
		if err != nil {
			return nil, err
		}
		b[k] = merged
	}
	return json.Marshal(b)
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == '{'
}
