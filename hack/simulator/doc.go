// Package simulator plays the part of Gardener's controllers in the local landscape, so a
// garden cluster made of a plain kube-apiserver behaves like one: the gardenlet's shoot
// operations (lastOperation, observedGeneration, conditions, hibernated), the hibernation
// and maintenance controllers that write a shoot's spec, the project controller, and
// clabernetes reporting topologies as running. It acts on unstructured objects and knows
// nothing of gardenfleet.
//
// It is development tooling: gardenfleet's own packages must not import it, and it must not
// import them.
package simulator
