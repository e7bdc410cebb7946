// Command benchdaemon measures `gardenfleet serve` managing a generated fleet
// of 10,000 shoots against the goals of issue 12: a peak RSS under 300 MiB,
// a no-op pass under 1 API request per 100 objects, a Fleet object well
// within etcd's 1.5 MiB. It is `make bench-daemon`; the figures go into
// docs/performance.md ("Daemon memory").
//
// It starts a garden cluster (hack/testenv: kube-apiserver, etcd,
// gardener-apiserver, the gardenlet simulator with a short delay, so shoots
// become healthy as in a garden) and installs the Fleet CRD. With -shards N
// it splits the generated fleet into N parts with shoots and projects of
// their own (hack/benchfleet's Part), pushes each into a repository of a
// hack/gitserver and creates a Fleet following it, labelled shard=<i>. Then
// it runs one daemon binary per Fleet as a subprocess, as deployed
// (--leader-elect, the dashboard on), with --fleet-selector shard=<i>, a
// Lease, metrics, probe and dashboard ports of its own. Every second it
// samples each daemon's VmRSS from /proc and its /metrics until its Fleet
// is Ready with every object applied, and through a number of further
// passes (drift correction at an unchanged revision). A daemon whose metrics
// show a Fleet not of its shard fails the run.
//
// For each daemon it reports the time to Ready, the peak (VmHWM) and steady
// RSS, the Go heap from /metrics and, from GODEBUG=gctrace=1, the live heap
// at each garbage collection; the Fleet's size as the API server serves it
// in JSON (as etcd stores a custom resource) at Ready and at the end; and
// the API requests of each pass after Ready, counted, not computed: client-go's
// rest_client_requests_total by method, from the last poll with no worker
// active (controller_runtime_active_workers) before the pass ended
// (gardenfleet_reconcile_duration_seconds_count grew) to the first poll
// after. The Lease renewals that fall into that span are the PUTs (the
// reconciler only patches) and are left out of the pass's own requests; the
// requests over a whole interval, background included, are reported beside.
//
//	go run ./hack/benchdaemon [-shoots 10000] [-shards 1] [-passes 2] [-env GOMEMLIMIT=250MiB]
//
// -profile says where the memory goes, with the reconciler in this process
// and one Fleet: `build` loads and renders the fleet as the daemon does,
// `passes` reconciles until Ready and then profiles the passes. Both write
// the heap profile of the collection that saw the largest live heap
// (GOGC=10, so collections are frequent), for `go tool pprof`.
//
// Linux only: it reads /proc. It owns only its measurements; it uses
// gardenfleet's packages and hack/ helpers as a test would, and nothing may
// import it.
package main
