//go:build tools

// Package tools pins controller-gen, which `make generate` builds from source
// (hack/tool-bin.sh) to write the Fleet CRD, its deepcopy code and RBAC. A module of
// its own, so controller-tools' k8s.io requirements move neither gardenfleet's nor
// the linter's.
package tools

import (
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
