//go:build !linux

package main

import "syscall"

// killWithParent has no portable equivalent; the driver needs /proc anyway.
func killWithParent() *syscall.SysProcAttr { return nil }
