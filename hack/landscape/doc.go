// Package landscape owns what the local garden cluster holds besides gardener-apiserver's
// own APIs: the CRDs of the APIs it does not serve (clabernetes' Topology and metal-stack's
// FirewallDeployment, read from their modules as upstream ships them), the garden's objects Gardener's admission reads
// (CloudProfiles, ControllerRegistrations, the garden project) and the credentials a
// project's members create. It installs them into a garden that serves Gardener's APIs.
//
// It is development tooling: gardenfleet's own packages must not import it, and it must not
// import them (tests reach it through hack/testenv).
package landscape
