//go:build tools

// Package tools pins the main package hack/landscape-bin.sh builds from this module:
// the real gardener-apiserver of Gardener v1.150.0. It is a module of its own because
// Gardener builds against k8s.io v0.36 while hack/tools builds kube-apiserver v1.37.
package tools

import (
	_ "github.com/gardener/gardener/cmd/gardener-apiserver"
)
