package bounded

import "syscall"

// addressSpaceHeadroom is the address space the Go runtime and the binary
// map besides the heap (arena reservations, page summaries, thread
// stacks): gardenfleet maps about 1.8 GiB before it evaluates anything.
const addressSpaceHeadroom = 4 << 30

// capAddressSpace sets RLIMIT_AS to limit plus headroom: past it the
// kernel refuses the mapping and the runtime dies with "fatal error: out of
// memory", which Check reports as the memory limit. Best effort: the
// watchdog is the limit; this only stops a single huge allocation before it
// touches the machine's memory.
func capAddressSpace(limit int64) {
	n := uint64(limit + addressSpaceHeadroom)
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: n, Max: n})
}
