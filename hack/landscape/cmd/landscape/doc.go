// Command landscape runs the local garden cluster: etcd, kube-apiserver and the real
// gardener-apiserver built from source (started as hack/testenv starts them, through
// hack/gardenerapiserver), the garden's objects (hack/landscape), metal-stack's admission
// webhook (hack/metalwebhook), the gardenlet simulator and a Git server, with state under
// .landscape/.
//
//	landscape up      start it in the background (idempotent) and write .landscape/kubeconfig
//	landscape down    stop everything it started (idempotent)
//	landscape status  tell whether it runs, and where
//	landscape run     up, push the example fleet, render and apply it, wait; Ctrl-C stops all
//	landscape serve   run it in the foreground (what `up` starts in the background)
//
// It is development tooling: gardenfleet's own packages must not import it. It drives
// the built gardenfleet binary rather than importing gardenfleet's packages; the one it
// links is gardener/metal, metal-stack's checks the webhook serves.
package main
