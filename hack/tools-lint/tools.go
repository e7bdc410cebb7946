//go:build tools

// Package tools pins golangci-lint, which hack/golangci-lint-bin.sh builds from source
// (no prebuilt download). It is a module of its own so that its analyzers' requirements
// (golang.org/x/tools and others) move neither gardenfleet's nor the landscape's.
package tools

import (
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
)
