// Command landscape runs the local garden cluster: etcd and kube-apiserver built from
// source, the Gardener stand-in CRDs and policies, the gardenlet simulator and a Git
// server, with state under .landscape/.
//
//	landscape up      start it in the background (idempotent) and write .landscape/kubeconfig
//	landscape down    stop everything it started (idempotent)
//	landscape status  tell whether it runs, and where
//	landscape run     up, push the example fleet, render and apply it, wait; Ctrl-C stops all
//	landscape serve   run it in the foreground (what `up` starts in the background)
//
// It is development tooling: gardenfleet's own packages must not import it. It drives
// the built gardenfleet binary rather than importing gardenfleet's packages.
package main
