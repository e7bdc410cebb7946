package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// procMemory is what /proc/<pid>/status says of a process's memory.
type procMemory struct {
	rss, hwm int64 // VmRSS and VmHWM in bytes
}

// parseProcStatus reads VmRSS and VmHWM from a /proc/<pid>/status file.
func parseProcStatus(r io.Reader) (procMemory, error) {
	var m procMemory
	var haveRSS, haveHWM bool
	s := bufio.NewScanner(r)
	for s.Scan() {
		key, value, ok := strings.Cut(s.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return procMemory{}, fmt.Errorf("parse %s: want \"<n> kB\", got %q", key, strings.TrimSpace(value))
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return procMemory{}, fmt.Errorf("parse %s: %w", key, err)
		}
		if key == "VmRSS" {
			m.rss, haveRSS = kb<<10, true
		} else {
			m.hwm, haveHWM = kb<<10, true
		}
	}
	if err := s.Err(); err != nil {
		return procMemory{}, fmt.Errorf("read status: %w", err)
	}
	if !haveRSS || !haveHWM {
		// A zombie's status has neither.
		return procMemory{}, fmt.Errorf("no VmRSS and VmHWM in status: has the process exited?")
	}
	return m, nil
}

// metricValue returns the value of the sample of name in Prometheus text
// exposition whose labels include every one of labels ("k=\"v\"" pairs).
// found is false when there is no such sample.
func metricValue(text, name string, labels ...string) (value float64, found bool, err error) {
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		var set string
		if rest[0] == '{' {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return 0, false, fmt.Errorf("parse metric %s: unterminated labels in %q", name, line)
			}
			set, rest = rest[1:end], rest[end+1:]
		}
		if !hasLabels(set, labels) {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0, false, fmt.Errorf("parse metric %s: no value in %q", name, line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, false, fmt.Errorf("parse metric %s: %w", name, err)
		}
		return v, true, nil
	}
	return 0, false, nil
}

// hasLabels reports whether the label set (`a="x",b="y"`) holds every pair.
// Label values with commas are not split correctly; gardenfleet's are names.
func hasLabels(set string, want []string) bool {
	have := strings.Split(set, ",")
	for _, w := range want {
		found := false
		for _, h := range have {
			if strings.TrimSpace(h) == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// gcCycle is one line of GODEBUG=gctrace=1 output.
type gcCycle struct {
	n      int
	at     time.Duration // since the process started
	start  int64         // heap at the start of the cycle, MiB
	live   int64         // heap marked live, MiB
	goal   int64         // heap goal, MiB
	forced bool
}

// parseGCTrace reads the gctrace lines of a log, skipping everything else.
//
//	gc 7 @0.005s 12%: 0.075+0.15+0.002 ms clock, ..., 203->203->203 MB, 263 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
func parseGCTrace(r io.Reader) ([]gcCycle, error) {
	var out []gcCycle
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 4<<20) // JSON log lines can be long
	for s.Scan() {
		line := s.Text()
		if !strings.HasPrefix(line, "gc ") || !strings.Contains(line, " MB goal") {
			continue
		}
		c, err := parseGCLine(line)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read gctrace: %w", err)
	}
	return out, nil
}

func parseGCLine(line string) (gcCycle, error) {
	var c gcCycle
	fields := strings.Fields(line)
	if len(fields) < 3 || !strings.HasPrefix(fields[2], "@") {
		return c, fmt.Errorf("parse gctrace line %q: want \"gc N @Ts ...\"", line)
	}
	var err error
	if c.n, err = strconv.Atoi(fields[1]); err != nil {
		return c, fmt.Errorf("parse gctrace line %q: %w", line, err)
	}
	if c.at, err = time.ParseDuration(fields[2][1:]); err != nil {
		return c, fmt.Errorf("parse gctrace line %q: %w", line, err)
	}
	var haveHeap, haveGoal bool
	for part := range strings.SplitSeq(line, ", ") {
		switch {
		case strings.Contains(part, "->") && strings.HasSuffix(part, " MB"):
			sizes := strings.Split(strings.TrimSuffix(part, " MB"), "->")
			if len(sizes) != 3 {
				return c, fmt.Errorf("parse gctrace line %q: want \"A->B->C MB\", got %q", line, part)
			}
			var v [3]int64
			for i, s := range sizes {
				if v[i], err = strconv.ParseInt(s, 10, 64); err != nil {
					return c, fmt.Errorf("parse gctrace line %q: %w", line, err)
				}
			}
			c.start, c.live, haveHeap = v[0], v[2], true
		case strings.HasSuffix(part, " MB goal"):
			if c.goal, err = strconv.ParseInt(strings.TrimSuffix(part, " MB goal"), 10, 64); err != nil {
				return c, fmt.Errorf("parse gctrace line %q: %w", line, err)
			}
			haveGoal = true
		}
	}
	if !haveHeap || !haveGoal {
		return c, fmt.Errorf("parse gctrace line %q: no heap sizes or goal", line)
	}
	c.forced = strings.HasSuffix(line, "(forced)")
	return c, nil
}
