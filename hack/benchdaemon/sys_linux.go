package main

import "syscall"

// killWithParent makes the kernel kill the daemon when this driver dies, so
// an interrupted benchmark leaves nothing running.
func killWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
