package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// state is what a running landscape writes to <dir>/state.json once it is ready.
type state struct {
	PID        int    `json:"pid"`
	APIServer  string `json:"apiServer"`
	Kubeconfig string `json:"kubeconfig"`
	GitURL     string `json:"gitURL"`
	// Etcd and GardenerAPIServer are the other servers' URLs, for `down`'s test.
	Etcd              string `json:"etcd"`
	GardenerAPIServer string `json:"gardenerAPIServer"`
}

func statePath(dir string) string    { return filepath.Join(dir, "state.json") }
func pidPath(dir string) string      { return filepath.Join(dir, "landscape.pid") }
func childrenPath(dir string) string { return filepath.Join(dir, "children.pids") }
func logPath(dir string) string      { return filepath.Join(dir, "landscape.log") }

func readState(dir string) (*state, error) {
	data, err := os.ReadFile(statePath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("read state %s: %w", statePath(dir), err)
	}
	return st, nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeState(dir string, st *state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(statePath(dir), data, 0o644)
}

func readPIDs(path string) []int {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids
}

func writePIDs(path string, pids []int) error {
	var b strings.Builder
	for _, p := range pids {
		fmt.Fprintln(&b, p)
	}
	return writeFileAtomic(path, []byte(b.String()), 0o644)
}

// alive tells whether pid runs and, where /proc tells, runs one of want (a path or a
// command-line word), so a reused pid is never taken for ours.
func alive(pid int, want ...string) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		// No /proc (macOS): the signal check is all there is.
		return true
	}
	if len(want) == 0 {
		return true
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	if len(args) == 0 {
		return false
	}
	for _, w := range want {
		if args[0] == w || filepath.Base(args[0]) == filepath.Base(w) {
			return true
		}
	}
	return false
}

// children lists the processes whose parent is pid (Linux only; empty elsewhere).
func children(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name in parentheses may hold spaces; fields follow the last ')'.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}
