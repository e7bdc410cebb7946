package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverProcesses are the control plane's processes, children of the
// driver (envtest starts them).
var serverProcesses = []string{"kube-apiserver", "etcd"}

// userHZ is the unit of utime and stime in /proc/<pid>/stat: USER_HZ is 100
// on every Linux architecture Go supports.
const userHZ = 100

// selfCPU is the CPU time this process has used so far (user and system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childrenCPU is the CPU time used so far by the running children of this
// process named in names, read from /proc; ok is false without /proc (macOS).
func childrenCPU(names ...string) (d time.Duration, ok bool) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return 0, false
	}
	self := os.Getpid()
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		comm, ppid, ticks, ok := parseStat(string(b))
		if ok && ppid == self && slices.Contains(names, comm) {
			d += time.Duration(ticks) * time.Second / userHZ
		}
	}
	return d, true
}

// parseStat reads comm, ppid and utime+stime (in ticks) from the text of
// /proc/<pid>/stat. comm is in parentheses and may hold spaces, so fields
// are counted from the last ')'.
func parseStat(s string) (comm string, ppid int, ticks int64, ok bool) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", 0, 0, false
	}
	comm = s[open+1 : end]
	// After comm: state(3) ppid(4) ... utime(14) stime(15), numbered as in proc(5).
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return "", 0, 0, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	utime, err2 := strconv.ParseInt(f[11], 10, 64)
	stime, err3 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return "", 0, 0, false
	}
	return comm, ppid, utime + stime, true
}

// loadAverage is the 1-minute load average, or "n/a" without /proc.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "n/a"
	}
	return f[0]
}
