// Package render turns a fleet model into Kubernetes objects (Projects,
// Shoots with their metal-stack configs, clabernetes Topologies) and
// containerlab topology files, then applies the fleet's kustomize overlay.
//
// It is pure: it reads no files and never talks to a cluster, and the same
// fleet always renders to the same bytes. It must not import clusters or
// reconciler.
package render
