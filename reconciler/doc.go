// Package reconciler makes a garden cluster match a fleet repository and keeps
// it there. It owns the reconcile loop of the Fleet resource
// (gardenfleet.dev/v1alpha1): fetch the repository, load and render the
// fleet, plan each shoot's version steps from its live state, apply, prune,
// look at the shoots' health and record it all in the Fleet's status, Events
// and metrics. RunOnce runs the same phases once without a Fleet object.
//
// A pass at an unchanged revision neither clones nor renders again, but
// applies again, which corrects drift: an object that did not change costs no
// request of its own, so the whole pass costs a few lists.
//
// Deleting a Fleet leaves what it applied in place. Health is that of the
// Shoots, as Gardener reports it; other objects are applied, not watched.
//
// Upgrades are gated: a shoot gets the next step of its plan only when
// Gardener confirmed the previous one, its dependencies are done, its wave is
// open and the wave's parallelism allows it (see gate). The plan is computed
// again from the live Shoot at every pass, so a restarted reconciler resumes
// where each shoot is.
//
// Errors fall in three classes: terminal (Stalled; not retried until the
// spec or the revision changes), transient (returned, so the controller backs
// off) and waiting on a gate (requeued after an interval, no error).
//
// It uses fleet, render, reconciler/planner, reconciler/source, clusters and
// clusters/inventory, and must not be imported by any of them. It must not
// import the CLI or anything under hack/ outside tests.
package reconciler
