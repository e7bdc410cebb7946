// Package virtualgarden holds gardenfleet's deployment for gardener-operator
// landscapes as two kustomizations: runtime/ for the runtime cluster (the
// daemon) and garden/ for the virtual garden (the Fleet CRD and the daemon's
// rights). Its only Go code is the test that runs the daemon across two API
// servers.
package virtualgarden
