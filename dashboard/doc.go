// Package dashboard serves the read-only dashboard from Fleet statuses.
//
// Every view, and the JSON endpoint behind it, is computed on request from the
// Fleet objects the manager's cache holds, the same status `kubectl get fleet`
// and the metrics report: there is no second model of the state. Labs are read
// from the clabernetes Topologies a Fleet's inventory lists. Nothing from a
// Secret or a Fleet's credentials reference is ever put in a response.
//
// It must not import fleet or render: it shows what the reconciler recorded,
// never what a repository would render.
package dashboard
