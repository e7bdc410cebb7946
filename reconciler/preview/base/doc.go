// Package base reads what a preview compares a fleet with: the fleet at a
// Git revision of the work tree around it (go-git, offline), rendered; or
// the live objects of a garden cluster that the fleet names or owns, with
// the CloudProfiles its shoots use.
//
// It does the I/O so that package preview stays pure. It must not import
// the reconciler's loop or cmd; it reads and never writes a cluster.
package base
