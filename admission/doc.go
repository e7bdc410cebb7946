// Package admission runs Gardener's own defaulting, admission plugins and
// validation on rendered objects, offline.
//
// A Shoot goes through what gardener-apiserver runs on a create: the
// v1beta1 defaults, conversion to the internal version, the ShootMutator
// admission plugin, the registry strategy's create steps with ValidateShoot,
// and the ShootValidator admission plugin. A Project goes through its
// defaults and ValidateProject. The plugins read CloudProfiles,
// NamespacedCloudProfiles, Projects and CredentialsBindings from listers
// whose stores are filled by hand: no cluster and no client is involved.
//
// Gardener's feature gates are process-wide (Gardener keeps them in one
// global gate), so one process judges with one set of gates: gardenfleet
// runs admission in the bounded child of each evaluation.
//
// admission must not import the fleet, render, reconciler or clusters
// packages: it judges objects, wherever they came from.
package admission
