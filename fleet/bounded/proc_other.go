//go:build !unix

package bounded

import "os/exec"

// ownProcessGroup leaves cmd as it is: cancelling it kills the child only.
func ownProcessGroup(*exec.Cmd) {}
