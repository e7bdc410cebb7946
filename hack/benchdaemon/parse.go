package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
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
	want, err := parseLabels(strings.Join(labels, ","))
	if err != nil {
		return 0, false, fmt.Errorf("parse metric %s: wanted labels: %w", name, err)
	}
	err = eachSample(text, func(n string) bool { return n == name }, func(_ string, have map[string]string, v float64) bool {
		if !hasLabels(have, want) {
			return true
		}
		value, found = v, true
		return false
	})
	return value, found, err
}

// metricSum sums the samples of name whose labels include every one of
// labels, by the value of the label by (an absent label counts as "").
// client-go's rest_client_requests_total{code,host,method} summed by method
// is what a process asked of the API server.
func metricSum(text, name, by string, labels ...string) (map[string]float64, error) {
	want, err := parseLabels(strings.Join(labels, ","))
	if err != nil {
		return nil, fmt.Errorf("parse metric %s: wanted labels: %w", name, err)
	}
	sums := map[string]float64{}
	err = eachSample(text, func(n string) bool { return n == name }, func(_ string, have map[string]string, v float64) bool {
		if hasLabels(have, want) {
			sums[have[by]] += v
		}
		return true
	})
	return sums, err
}

// fleetsIn returns the Fleets ("namespace/name") that gardenfleet's own
// metrics have samples of: the Fleets a daemon reconciled.
func fleetsIn(text string) ([]string, error) {
	seen := map[string]bool{}
	err := eachSample(text, func(n string) bool { return strings.HasPrefix(n, "gardenfleet_") }, func(_ string, have map[string]string, _ float64) bool {
		if name, ok := have["name"]; ok {
			seen[have["namespace"]+"/"+name] = true
		}
		return true
	})
	return slices.Sorted(maps.Keys(seen)), err
}

// eachSample hands the samples of the metrics match accepts, in the order
// of the text, to fn until it returns false. Only those lines are parsed.
func eachSample(text string, match func(name string) bool, fn func(name string, labels map[string]string, value float64) bool) error {
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		end := strings.IndexAny(line, "{ ")
		if end < 0 {
			end = len(line)
		}
		if end == 0 || !match(line[:end]) {
			continue
		}
		name, rest := line[:end], line[end:]
		var labels map[string]string
		if strings.HasPrefix(rest, "{") {
			closing := labelsEnd(rest)
			if closing < 0 {
				return fmt.Errorf("parse metric %s: unterminated labels in %q", name, line)
			}
			var err error
			if labels, err = parseLabels(rest[1:closing]); err != nil {
				return fmt.Errorf("parse metric %s: %w in %q", name, err, line)
			}
			rest = rest[closing+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return fmt.Errorf("parse metric %s: no value in %q", name, line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return fmt.Errorf("parse metric %s: %w", name, err)
		}
		if !fn(name, labels, v) {
			return nil
		}
	}
	return nil
}

// labelsEnd returns the index of the '}' closing the label set s starts
// with, skipping quoted values, or -1.
func labelsEnd(s string) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch {
		case quoted && s[i] == '\\':
			i++
		case s[i] == '"':
			quoted = !quoted
		case !quoted && s[i] == '}':
			return i
		}
	}
	return -1
}

// parseLabels parses a label set without its braces: `a="x",b="y\"z"`.
func parseLabels(set string) (map[string]string, error) {
	labels := map[string]string{}
	for set = strings.TrimSpace(set); set != ""; {
		key, rest, ok := strings.Cut(set, "=")
		key = strings.TrimSpace(key)
		rest = strings.TrimSpace(rest)
		if !ok || key == "" || !strings.HasPrefix(rest, `"`) {
			return nil, fmt.Errorf("want name=\"value\" at %q", set)
		}
		var value strings.Builder
		i := 1
		for ; i < len(rest) && rest[i] != '"'; i++ {
			c := rest[i]
			if c == '\\' && i+1 < len(rest) {
				i++
				c = rest[i]
				if c == 'n' {
					c = '\n'
				}
			}
			value.WriteByte(c)
		}
		if i == len(rest) {
			return nil, fmt.Errorf("unterminated value of label %s", key)
		}
		labels[key] = value.String()
		set = strings.TrimSpace(rest[i+1:])
		if set != "" && set[0] != ',' {
			return nil, fmt.Errorf("want a comma before %q", set)
		}
		set = strings.TrimSpace(strings.TrimPrefix(set, ","))
	}
	return labels, nil
}

// hasLabels reports whether have holds every pair of want.
func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if h, ok := have[k]; !ok || h != v {
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
