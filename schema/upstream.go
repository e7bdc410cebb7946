package schema

import _ "embed"

// ContainerlabSchema is the JSON schema containerlab publishes for its
// topology files (schemas/clab.schema.json in srl-labs/containerlab, v0.79),
// unedited. Lab kinds come from it and rendered .clab.yaml files must
// validate against it; see upstream/README.md.
//
//go:embed upstream/containerlab-clab.schema.json
var ContainerlabSchema []byte
