//go:build cgo && !kustomize_disable_go_plugin_support

package admission

// Gardener's code links a C zstd library that cannot be linked into a
// binary that also has kustomize's Go plugin support (which links with
// -rdynamic): the link fails with "relocation ... recompile with -fPIE".
// Build with CGO_ENABLED=0 (as the Makefile, the Dockerfile and the README's
// go install line do) or with -tags kustomize_disable_go_plugin_support.
const _ = build_gardenfleet_with_CGO_ENABLED_0
