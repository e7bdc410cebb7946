//go:build tools

// Package tools pins the main packages hack/landscape-bin.sh builds: the real
// kube-apiserver, etcd and kubectl, compiled from source at fixed versions.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
