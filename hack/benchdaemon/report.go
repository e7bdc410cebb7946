package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Goals of issue 12, for each daemon.
const (
	goal              = 300 << 20 // peak RSS
	etcdLimit         = 3 << 19   // 1.5 MiB, etcd's default --max-request-bytes: the largest object it stores
	objectsPerRequest = 100       // a no-op pass makes under 1 request per 100 objects
)

// window is the part of a run between two moments since the daemon started.
type window struct {
	name     string
	from, to time.Duration // to zero: the end
}

// rssIn returns the samples taken in w.
func rssIn(samples []memSample, w window) []int64 {
	var out []int64
	for _, s := range samples {
		if s.at >= w.from && (w.to == 0 || s.at < w.to) {
			out = append(out, s.rss)
		}
	}
	return out
}

// windowNames name the windows of every run, in order.
var windowNames = []string{
	"start to revision applied (clone, CUE load, render, cold apply)",
	"revision applied to Ready (gate polls while shoots are created)",
	"after Ready (%d passes at an unchanged revision)",
}

// windows splits a run at the moments the revision was applied and the
// Fleet became Ready; a window not reached is left out.
func (r *daemonResult) windows() []window {
	var ws []window
	if r.applied > 0 {
		ws = append(ws, window{name: windowNames[0], to: r.applied})
	}
	if r.ready > 0 {
		ws = append(ws, window{name: windowNames[1], from: r.applied, to: r.ready})
		ws = append(ws, window{name: windowNames[2], from: r.ready})
	}
	return ws
}

// maxRSSIn is the largest RSS sampled in the i-th window, "" if none.
func (r *daemonResult) maxRSSIn(i int) string {
	ws := r.windows()
	if i >= len(ws) {
		return ""
	}
	rss := rssIn(r.samples, ws[i])
	if len(rss) == 0 {
		return ""
	}
	return mib(slices.Max(rss))
}

func (res *results) print(w io.Writer) {
	o := res.opts
	fmt.Fprintf(w, "\ndaemon benchmark: %d shoots in %d Fleet(s), one daemon each; Fleet interval %s, --gate-poll-interval %s, --leader-elect, simulator delay %s; extra env %q; load average %s\n",
		o.shoots, len(res.daemons), o.interval, o.gatePoll, o.delay, o.env, res.load)
	if res.liveShoots > 0 {
		fmt.Fprintf(w, "Shoots on the server once every Fleet was Ready: %d\n", res.liveShoots)
	}
	fmt.Fprintln(w)
	head := []string{"`gardenfleet serve`"}
	for _, r := range res.daemons {
		head = append(head, fmt.Sprintf("--fleet-selector %s: %d shoots, %d objects", r.shard.selector(), r.shard.shoots, r.shard.objects))
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat(" --- |", len(head)))
	row := func(name string, value func(r *daemonResult) string) {
		cells := []string{name}
		for _, r := range res.daemons {
			cells = append(cells, value(r))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	row("/readyz answers", func(r *daemonResult) string { return since(r.readyz) })
	row("revision applied, every object in the inventory", func(r *daemonResult) string { return since(r.applied) })
	row("first Ready=True, every shoot up to date", func(r *daemonResult) string { return since(r.ready) })
	row("**peak RSS (VmHWM)**, goal under 300 MiB", func(r *daemonResult) string {
		return fmt.Sprintf("**%s** (%s)", mib(r.hwm), verdict(r.hwm > 0 && r.hwm < goal))
	})
	for i, name := range windowNames {
		if i == 2 {
			name = fmt.Sprintf(name, o.passes)
		}
		row("max sampled RSS, "+name, func(r *daemonResult) string { return r.maxRSSIn(i) })
	}
	row("steady RSS after Ready: median (min to max)", func(r *daemonResult) string {
		rss := rssIn(r.samples, window{from: r.ready})
		if r.end == 0 || len(rss) == 0 {
			return ""
		}
		return fmt.Sprintf("%s (%s to %s)", mib(median(rss)), mib(slices.Min(rss)), mib(slices.Max(rss)))
	})
	row("RSS at the end", func(r *daemonResult) string {
		if len(r.samples) == 0 {
			return ""
		}
		return mib(r.samples[len(r.samples)-1].rss)
	})
	row("passes after Ready, objects unchanged in them", func(r *daemonResult) string {
		if r.end == 0 {
			return ""
		}
		return fmt.Sprintf("%v passes, %v objects unchanged, Ready=True at the end: %t",
			r.passesAtEnd-r.passesAtReady, r.unchangedEnd-r.unchangedAtReady, r.stillReady)
	})
	row("Go heap in use (go_memstats_heap_inuse_bytes, every second): max, at the end", func(r *daemonResult) string {
		if len(r.heap) == 0 {
			return ""
		}
		inuse := make([]int64, len(r.heap))
		for i, h := range r.heap {
			inuse[i] = h.inuse
		}
		return fmt.Sprintf("%s, %s", mib(slices.Max(inuse)), mib(inuse[len(inuse)-1]))
	})
	row("garbage collections (gctrace)", (*daemonResult).gcSummary)
	row("**the Fleet as stored** (JSON from the API server) at Ready, at the end; etcd takes up to 1.5 MiB", func(r *daemonResult) string {
		if r.fleetBytesReady == 0 {
			return ""
		}
		big := max(r.fleetBytesReady, r.fleetBytesEnd)
		return fmt.Sprintf("**%s, %s bytes** (%.1f %% of 1.5 MiB; %s)", thousands(r.fleetBytesReady), thousands(r.fleetBytesEnd),
			100*float64(big)/etcdLimit, verdict(big < etcdLimit))
	})
	row("requests around each pass after Ready (rest_client_requests_total by method, last idle poll before to first poll after)", func(r *daemonResult) string {
		var out []string
		for _, p := range r.passes {
			out = append(out, fmt.Sprintf("%s in %s", p.pass, seconds(p.passSpan)))
		}
		return strings.Join(out, "; ")
	})
	row("**requests of a no-op pass** (the above without the Lease renewals, PUT); **objects per request**, goal over 100", func(r *daemonResult) string {
		var out []string
		for _, p := range r.passes {
			own := p.own()
			per := float64(r.shard.objects) / own
			out = append(out, fmt.Sprintf("**%v, %.0f objects per request** (%s)", own, per, verdict(own > 0 && per > objectsPerRequest)))
		}
		return strings.Join(out, "; ")
	})
	row("requests over each interval (end of a pass to the end of the next; the pass, Lease renewals and any watch restarted)", func(r *daemonResult) string {
		var out []string
		for _, p := range r.passes {
			out = append(out, fmt.Sprintf("%s in %s", p.cycle, seconds(p.cycleSpan)))
		}
		return strings.Join(out, "; ")
	})
}

// gcSummary says how many collections ran and the largest live heap and
// heap goal they saw, before and after Ready.
func (r *daemonResult) gcSummary() string {
	if len(r.gc) == 0 {
		return ""
	}
	var top, topAfter gcCycle
	var goalMax int64
	for _, c := range r.gc {
		if c.live > top.live {
			top = c
		}
		goalMax = max(goalMax, c.goal)
		if r.ready > 0 && c.at >= r.ready && c.live > topAfter.live {
			topAfter = c
		}
	}
	s := fmt.Sprintf("%d cycles; largest live heap %d MiB (cycle %d at %s), largest heap goal %d MiB",
		len(r.gc), top.live, top.n, seconds(top.at), goalMax)
	if topAfter.n > 0 {
		s += fmt.Sprintf("; after Ready at most %d MiB live", topAfter.live)
	}
	return s
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

func median(v []int64) int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// thousands writes n with commas: 1,234,567.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func since(d time.Duration) string {
	if d == 0 {
		return "not reached"
	}
	return "after " + seconds(d)
}
