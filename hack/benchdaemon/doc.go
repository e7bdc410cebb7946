// Command benchdaemon measures the memory of `gardenfleet serve` managing a
// generated fleet of 5,000 shoots, against the goal of a peak under 300 MiB.
// It is `make bench-daemon`; the figures go into README.md ("Apply speed").
//
// It starts a garden cluster (hack/testenv: kube-apiserver, etcd, the
// gardenlet simulator with a short delay, so shoots become healthy as in a
// garden), installs the Fleet CRD, pushes a hack/benchfleet fleet into a
// hack/gitserver repository and creates a Fleet following it. Then it runs
// the daemon binary as a subprocess and samples its VmRSS from /proc every
// second until the Fleet is Ready with every object applied, and through a
// number of further passes (drift correction at an unchanged revision).
// It reports the time to Ready, the peak (VmHWM) and steady RSS, the Go heap
// from the daemon's /metrics and, from GODEBUG=gctrace=1, the live heap at
// each garbage collection.
//
//	go run ./hack/benchdaemon [-shoots 5000] [-passes 2] [-env GOMEMLIMIT=250MiB]
//
// -profile says where the memory goes, with the reconciler in this process:
// `build` loads and renders the fleet as the daemon does, `passes` reconciles
// until Ready and then profiles the passes. Both write the heap profile of
// the collection that saw the largest live heap (GOGC=10, so collections are
// frequent), for `go tool pprof`.
//
// Linux only: it reads /proc. It owns only its measurements; it uses
// gardenfleet's packages and hack/ helpers as a test would, and nothing may
// import it.
package main
