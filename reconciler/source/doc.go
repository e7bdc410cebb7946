// Package source fetches the fleet repository from Git with go-git and hands
// the reconciler the files of a resolved revision in memory, as a snapshot.Repo
// read straight from the commit's tree: no worktree is checked out, so no
// tree, however hostile, can make it write anywhere.
//
// It owns: cloning into and fetching from a local cache directory, resolving
// a branch, tag, semver tag range or pinned commit to a commit, transport
// authentication (https basic or bearer token, ssh key with known_hosts,
// git://, file://), and OpenPGP verification of the commit before anything
// is read.
//
// A failed fetch is always an error, never an empty artifact: the caller keeps
// the last revision it applied. Fetching again when nothing changed costs one
// ref advertisement (ls-remote) and returns the same Artifact, so the caller
// re-renders only when Artifact.Revision changes.
//
// It must not import clusters, render or fleet: it hands over a
// snapshot.Repo within its bounds and knows nothing of what the files mean.
package source
