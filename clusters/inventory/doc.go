// Package inventory owns the record of what a Fleet applied: the set of object
// references stored in the Fleet's status, and the pure functions over it that
// decide what to prune (Diff), what to keep tracking when pruning fails
// (Merge), and whether a prune may go ahead at all (GuardDeletion).
//
// It is pure: no client, no context, no clock. It must not import client-go,
// controller-runtime or any gardenfleet package; clusters and the reconciler
// import it.
package inventory
