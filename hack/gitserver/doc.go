// Package gitserver serves bare Git repositories over smart HTTP on loopback, with the
// real `git http-backend` behind net/http/cgi, for tests and the local landscape. It can
// stop and come back on the same address, for "Git server down, then back" tests, and it
// pushes a directory's contents as a commit with the git CLI.
//
// It is development tooling: gardenfleet's own packages must not import it, and it must not
// import them.
package gitserver
