package bounded

import "syscall"

// addressSpaceHeadroom is the address space the Go runtime and the binary
// map besides the heap (arena reservations, page summaries, thread
// stacks): a Go process maps about 1.3 GiB before it allocates anything.
const addressSpaceHeadroom = 4 << 30

// capAddressSpace sets RLIMIT_AS to twice limit plus headroom: past it the
// kernel refuses the mapping and the runtime dies with "fatal error: out of
// memory", which Check reports as the memory limit. Best effort: the
// watchdog is the limit; this only stops a single huge allocation before it
// touches the machine's memory.
func capAddressSpace(limit int64) {
	n := uint64(2*limit + addressSpaceHeadroom)
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: n, Max: n})
}
