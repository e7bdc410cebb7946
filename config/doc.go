// Package config holds gardenfleet's in-cluster deployment as kustomize
// manifests; its only Go code is the test that applies them to a real API
// server and checks what the service account may and may not do.
package config
