// Package schema holds the CUE definitions that fleet repos are written
// against. It owns no Go logic; the fleet loader adds these files to the
// repo's package.
package schema

import "embed"

// Package is the CUE package name fleet repos must use.
const Package = "fleet"

// FieldsFile and ShootsFile constrain the package's top-level fields
// (ShootsFile the shoots, FieldsFile the others). Every other file holds only
// definitions, so the loader can evaluate a fleet with the definitions but
// without the constraints, and check the result against the whole schema
// piece by piece.
const (
	FieldsFile = "fleet.cue"
	ShootsFile = "shoots.cue"
)

// Files holds the schema's .cue files.
//
//go:embed *.cue
var Files embed.FS
