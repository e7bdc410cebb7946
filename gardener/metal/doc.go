// Package metal judges a metal Shoot as metal-stack's admission webhook does
// (gardener-extension-provider-metal v0.27.11, pkg/admission/validator, the
// Shoot validator of gardener-extension-admission-metal): the same steps in
// the same order, each one of metal-stack's own validation functions
// (pkg/apis/metal/validation), stopping at the first step that fails.
// Upstream's validator package does not build against Gardener v1.150
// (extensionswebhook.Args has no Provider any more), so its Validate is
// replayed here; what it checks itself (the tenant annotation, required on
// every Shoot and immutable on an update) is replayed word for word.
//
// It is the one owner of these checks: gardenfleet's offline admission
// (admission) and the garden's webhook stand-in (hack/metalwebhook) both
// call it, so the offline verdict and the garden's agree.
//
// Where it differs from upstream, on purpose:
//   - error paths are placed in the Shoot (spec.provider.infrastructureConfig.
//     firewall.image, spec.provider.workers[0].machine.image): upstream words
//     the InfrastructureConfig's paths from the config's root and the workers'
//     as spec.provider[0]; gardenfleet places each error at the fleet setting
//     that made it;
//   - a missing ControlPlaneConfig is an empty one, and without a
//     CloudProfileConfig the checks that read one are skipped: upstream
//     dereferences both and fails on nil.
//
// metal must not import gardenfleet's packages or cluster clients: it judges
// objects, wherever they came from.
package metal
