// Package schema holds the CUE definitions that fleet repos are written
// against. It owns no Go logic; the fleet loader adds these files to the
// repo's package.
package schema

import "embed"

// Package is the CUE package name fleet repos must use.
const Package = "fleet"

// Files holds the schema's .cue files.
//
//go:embed *.cue
var Files embed.FS
