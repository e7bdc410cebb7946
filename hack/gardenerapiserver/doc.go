// Package gardenerapiserver starts the real gardener-apiserver beside an envtest control
// plane: it turns on kube-apiserver's aggregation layer, runs gardener-apiserver on the same
// etcd with Gardener's default admission plugins and registers its group versions by
// APIServices. hack/testenv (every envtest suite) and the landscape (`make run`) both start
// it through here, so there is one way a garden is built.
//
// It is development tooling: gardenfleet's own packages must not import it, and it must not
// import them.
package gardenerapiserver
