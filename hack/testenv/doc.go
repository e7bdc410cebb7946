// Package testenv starts a garden cluster for tests: the real kube-apiserver and etcd
// (built by `make landscape-bin`) through controller-runtime's envtest, with the
// landscape's CRDs, policies and CloudProfiles installed and the gardenlet simulator
// running. Start it once per test package (see Main) and give each test its own namespace
// (NewNamespace): without kube-controller-manager a deleted namespace never goes away.
//
// Only tests import it. It must not import gardenfleet's own packages.
package testenv
