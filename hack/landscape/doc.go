// Package landscape owns the API surface of the local garden cluster: the CRDs standing in
// for Gardener's, metal-stack's and clabernetes' APIs (with Gardener's rules as CEL), the
// ValidatingAdmissionPolicies for the rules CRDs cannot express, and the CloudProfiles. It
// installs them into any API server.
//
// It is development tooling: gardenfleet's own packages must not import it, and it must not
// import them (tests reach it through hack/testenv).
package landscape
