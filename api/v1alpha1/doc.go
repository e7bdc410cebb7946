// Package v1alpha1 holds the gardenfleet.dev/v1alpha1 API: the Fleet custom
// resource, which points the reconciler at one fleet repository and reports
// what it applied and how each shoot's upgrade stands.
//
// It owns only types, their defaults and validation markers, and their deep
// copies (zz_generated.deepcopy.go, written by controller-gen). It must not
// import any other gardenfleet package: clients of the API import it, not the
// reverse.
//
// +kubebuilder:object:generate=true
// +groupName=gardenfleet.dev
package v1alpha1
