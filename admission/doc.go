// Package admission runs Gardener's own defaulting, admission plugins and
// validation on rendered objects, offline.
//
// A Shoot goes through what gardener-apiserver runs on a create: the
// v1beta1 defaults, conversion to the internal version, the mutating
// admission plugins, the registry strategy's create steps with
// ValidateShoot, and the validating admission plugins. A Project goes
// through its defaults, the mutating plugins, ValidateProject and the
// validating plugins. The plugins are Gardener's, built from Gardener's
// registrations with their default configuration (gardener-apiserver is
// given none by default) and run in Gardener's order
// (plugin.AllOrderedPluginNames): ShootTolerationRestriction, ShootMutator,
// ShootValidator, ShootResourceReservation and ProjectMutator. They read
// CloudProfiles, NamespacedCloudProfiles, Projects and CredentialsBindings
// from listers whose stores are filled by hand: no cluster and no client is
// involved.
//
// The other plugins gardener-apiserver enables by default that see a Shoot
// or Project on create are not run, each for a reason:
//   - NamespaceLifecycle: refuses objects in a missing or terminating
//     namespace; namespaces are not garden objects a fleet holds (a shoot
//     whose namespace has no Project gets a note instead).
//   - ResourceReferenceManager: checks that the Secrets, ConfigMaps, Seeds,
//     Quotas and bindings a Shoot names exist, and a Project's namespace;
//     those are garden objects a fleet does not hold.
//   - ExtensionValidator: checks that a ControllerRegistration serves every
//     extension type a Shoot uses; ControllerRegistrations are not read.
//   - ExtensionLabels: only adds labels; it refuses nothing.
//   - ShootExposureClass: needs the ExposureClass a Shoot names, which is
//     not read (a Shoot that names none is not affected).
//   - ShootDNS: needs the garden's Seeds and default domain Secrets.
//   - ShootManagedSeed, DeletionConfirmation, FinalizerRemoval: judge
//     updates and deletions of existing objects, not what a fleet declares.
//   - ShootQuotaValidator: needs the garden's Quotas (a garden without
//     Quotas admits everything).
//   - CustomVerbAuthorizer: authorizes the user who sends the request, not
//     the object.
//   - MutatingAdmissionWebhook, ValidatingAdmissionWebhook,
//     ValidatingAdmissionPolicy, ResourceQuota: what they do is the garden's
//     own configuration.
//
// Gardener's feature gates are process-wide (Gardener keeps them in one
// global gate), so one process judges with one set of gates: gardenfleet
// runs admission in the bounded child of each evaluation.
//
// admission must not import the fleet, render, reconciler or clusters
// packages: it judges objects, wherever they came from.
package admission
