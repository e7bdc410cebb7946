// Package simulator plays the part of Gardener's controllers in the local landscape, so a
// garden cluster made of a plain kube-apiserver behaves like one: the gardenlet's shoot
// operations (lastOperation, observedGeneration, conditions, hibernated), the hibernation
// and maintenance controllers that write a shoot's spec, the project controller, and
// clabernetes reporting topologies as running. It acts on unstructured objects and knows
// nothing of gardenfleet.
//
// Operations go as Gardener's do: observedGeneration is set when one starts (Processing),
// Succeeded comes later; a spec change confined to the maintenance window
// (confineSpecUpdateRollout) waits for maintenance, which always requests a reconcile;
// in-place pools stay pending after success for a while. Tests hold each stage with a
// Behaviour (Simulator.SetBehaviour) to check that nothing takes it for done.
//
// It is development tooling: gardenfleet's own packages must not import it, and it must not
// import them.
package simulator
