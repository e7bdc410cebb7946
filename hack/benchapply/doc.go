// Command benchapply times gardenfleet's server-side apply (clusters.Manager)
// beside `kubectl apply --server-side` of the same rendered objects, each
// into its own fresh kube-apiserver (hack/testenv, simulator off), and counts
// the API requests of a cold apply and of a no-op pass. It is `make
// bench-apply`; the figures go into README.md ("Apply speed").
//
//	go run ./hack/benchapply [-shoots 1000] [-kubectl bin/k8s/kubectl]
//
// It is a developer tool: nothing in gardenfleet may import it.
package main
