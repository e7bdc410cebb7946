// Package clusters owns everything that talks to a cluster: server-side apply
// of rendered objects with the single field manager FieldManager (through
// github.com/fluxcd/pkg/ssa), server-side dry runs, pruning and deleting,
// waiting for objects to become healthy, and the rules for which fields
// belong to Gardener rather than to the fleet. The record of what was applied
// lives in the pure subpackage clusters/inventory.
//
// It must not import fleet, render or reconciler: it applies unstructured
// objects and knows nothing of where they came from.
//
// # Apply order
//
// Apply works in stages and stops at the first stage with a failure: first
// Namespaces and CustomResourceDefinitions (it waits for CRDs to be
// established), then other cluster-scoped objects such as Projects and
// CloudProfiles, then everything else. Within a stage objects are
// independent: one failure does not stop the others. Only objects whose
// server-side dry run differs from the live object are patched. An object
// whose fleet digest annotation and fields already match the live object is
// reported Unchanged without a request of its own (ApplyOptions.FastNoOp): a
// no-op apply costs one list request per kind and ListPageSize (250) objects.
// Every list gardenfleet makes goes through ListPages, with that page size.
//
// # Field ownership: do not fight Gardener
//
// Gardener's controllers write some fields of a Shoot themselves. gardenfleet
// never pushes those back (PreserveGardenerOwned, applied by Apply and
// DryRun to every Shoot):
//
//   - spec.kubernetes.version, spec.provider.workers[].kubernetes.version and
//     spec.provider.workers[].machine.image.version belong to the fleet until
//     Gardener raises them: maintenance applies newer patches (autoUpdate),
//     and a version that expires is force-updated to a newer minor. When the
//     live value is newer than the desired one the live value is applied and
//     a Note says so. Gardener forbids downgrades, so there is nothing to win
//     by pushing the older value.
//   - spec.hibernation.enabled belongs to Gardener's hibernation controller
//     while spec.hibernation.schedules is non-empty: it is removed from the
//     desired object, so server-side apply leaves the field to its owner.
//   - status belongs to Gardener; apply never sends it.
//
// An immutable field (spec.region, spec.networking.type, ...) changed in the
// fleet is reported as an *ImmutableFieldError. A Shoot is never deleted and
// recreated to get around it: ssa's force/recreate is never used.
//
// # Deletion
//
// A Shoot is deleted only when DeleteOptions.AllowShootDeletion is set; then
// the annotation confirmation.gardener.cloud/deletion=true is set first, as
// Gardener requires. Otherwise the Shoot is reported Skipped. Only objects
// carrying this fleet's ownership labels are deleted.
package clusters
