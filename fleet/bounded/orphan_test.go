package bounded

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// envOrphanParent makes the test binary a parent that checks a fleet which
// evaluates for hours, to be killed by TestChildEndsWithItsParent.
const envOrphanParent = "GARDENFLEET_TEST_ORPHAN_PARENT"

// orphanParent is that parent: it never returns while its child runs.
func orphanParent() {
	r := snapshot.New("fleet")
	if err := r.AddFile("fleet.cue", []byte(hostile.Slow)); err != nil {
		os.Exit(3)
	}
	_, _ = Check(context.Background(), r, Limits{Time: time.Hour, Memory: 256 << 20})
	os.Exit(4)
}

// TestChildEndsWithItsParent kills a parent mid-evaluation with SIGKILL, so
// it cannot kill its child's process group, and expects the child to end
// on its own instead of evaluating a hostile fleet for hours.
func TestChildEndsWithItsParent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	g := NewWithT(t)
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), envOrphanParent+"=1")
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = parent.Process.Kill(); _ = parent.Wait() })

	var child int
	g.Eventually(func() int {
		child = childOf(parent.Process.Pid)
		return child
	}, time.Minute, 100*time.Millisecond).ShouldNot(BeZero(), "the parent started no child")
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	g.Eventually(func() bool { return running(child) }, 30*time.Second, 100*time.Millisecond).
		Should(BeFalse(), "child %d still runs after its parent was killed", child)
}

// childOf returns the pid of a process whose parent is pid, or 0.
func childOf(pid int) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		ppid, _, ok := procStat(path)
		if ok && ppid == pid {
			n, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			return n
		}
	}
	return 0
}

// running tells whether pid is a live process (a zombie left for a reaper
// has ended).
func running(pid int) bool {
	_, state, ok := procStat("/proc/" + strconv.Itoa(pid) + "/stat")
	return ok && state != "Z" && state != "X"
}

// procStat reads the parent pid and state of /proc/PID/stat.
func procStat(path string) (ppid int, state string, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", false
	}
	// The command name is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0], err == nil
}
