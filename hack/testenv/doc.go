// Package testenv starts a garden cluster for tests: the real kube-apiserver and etcd
// (built by `make landscape-bin`) through controller-runtime's envtest, with the
// landscape's CRDs, policies and CloudProfiles installed and the gardenlet simulator
// running. Start it once per test package (see Main) and give each test its own namespace
// (NewNamespace): without kube-controller-manager a deleted namespace never goes away.
//
// With Options.Gardener it runs the real gardener-apiserver instead of the stand-in CRDs:
// etcd, kube-apiserver with the aggregation layer and gardener-apiserver on the same etcd,
// registered by APIServices, with Gardener's default admission plugins. No Gardener
// controller runs: the test creates the garden objects (and the Projects' namespaces).
//
// Only tests import it. It must not import gardenfleet's own packages.
package testenv
