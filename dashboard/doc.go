// Package dashboard serves the read-only dashboard from Fleet statuses.
//
// Every view, and the JSON endpoint behind it, is computed on request from the
// Fleet objects the manager's cache holds, the same status `kubectl get fleet`
// and the metrics report: there is no second model of the state. The status
// lists at most v1alpha1.MaxListedShoots shoots so it fits etcd; the shoot
// pages come from the reconciler's own lines of every shoot (a ShootSource),
// the ones that status is cut from, and from the status' list on a replica
// that did not reconcile the Fleet. Labs are read
// from the clabernetes Topologies a Fleet's inventory lists. Nothing from a
// Secret or a Fleet's credentials reference is ever put in a response.
//
// It must not import fleet or render: it shows what the reconciler recorded,
// never what a repository would render.
package dashboard
