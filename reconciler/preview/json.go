package preview

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the report as indented JSON (see Report for the schema,
// named by Schema). encoding/json sorts map keys, so the output is stable.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
