//go:build !linux

package bounded

// capAddressSpace does nothing where RLIMIT_AS is not known to work with
// Go's runtime: the watchdog is the limit.
func capAddressSpace(int64) {}
