// Package planner computes the order in which a shoot's Kubernetes versions
// move from what runs to what Git asks for. It owns the version-skew rules:
// the control plane goes one minor at a time through the newest usable patch
// of each minor, pools never get ahead of it nor more than three minors
// behind, in-place pools never skip a minor, nothing is ever downgraded.
//
// It says what the steps are, not when to apply them: waiting for a step to
// be confirmed, holding hibernated shoots and ordering shoots in waves belong
// to the reconciler, which plans again from the live state at every pass.
//
// Proposing a plan (a ProposeFunc, Propose by default) is split from checking
// one (Validate), so that any plan, whoever made it, is held to the same rules.
//
// The package is pure: no context, no clock, no I/O. It must not import
// client-go, controller-runtime or any other gardenfleet package; callers
// hand it plain versions and get plain versions back.
package planner
