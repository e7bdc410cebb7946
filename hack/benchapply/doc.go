// Command benchapply times gardenfleet's server-side apply (clusters.Manager)
// beside `kubectl apply --server-side` of the same rendered objects, each
// into its own fresh kube-apiserver (hack/testenv, simulator off), and counts
// the API requests of a cold apply and of a no-op pass. It is `make
// bench-apply`; the figures go into README.md ("Apply speed").
//
//	go run ./hack/benchapply [-shoots 1000] [-rounds 5] [-limits none,50/300]
//
// The daemon's memory is measured by hack/benchdaemon (`make bench-daemon`),
// which runs `gardenfleet serve` with the gardenlet simulator; this driver
// only points there.
//
// It owns only its measurements. It uses gardenfleet's packages as the daemon
// would (fleet, render, clusters) and hack/ helpers; nothing may import it.
package main
