// Package testenv starts a garden cluster for tests: etcd, kube-apiserver with the
// aggregation layer (through controller-runtime's envtest) and the real gardener-apiserver
// on the same etcd, registered by APIServices, with Gardener's default admission plugins
// (all built by `make landscape-bin`; hack/gardenerapiserver starts it, as for the landscape). It installs the landscape (hack/landscape: the CRDs
// Gardener does not serve, CloudProfiles, ControllerRegistrations, the garden project) and
// runs the gardenlet simulator, which plays Gardener's controllers. Start it once per test
// package (see Main) and give each test its own project (NewNamespace): without
// kube-controller-manager a deleted namespace never goes away.
//
// Only tests import it. It must not import gardenfleet's own packages.
package testenv
