// Package config holds gardenfleet's in-cluster deployment as kustomize
// manifests (config/ for one garden cluster, config/virtual-garden for
// gardener-operator's runtime cluster and virtual garden) and Build, which
// renders them for the tests that apply them to real API servers.
package config
