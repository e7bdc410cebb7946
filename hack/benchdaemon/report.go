package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// goal is issue 4's bound on the daemon's peak RSS with 5,000 shoots.
const goal = 300 << 20

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

// windows splits a run at the moments the revision was applied and the
// Fleet became Ready.
func (res *results) windows() []window {
	var ws []window
	if res.applied > 0 {
		ws = append(ws, window{name: "start to revision applied (clone, CUE load, render, cold apply)", to: res.applied})
	}
	if res.ready > 0 {
		ws = append(ws, window{name: "revision applied to Ready (gate polls while shoots are created)", from: res.applied, to: res.ready})
		ws = append(ws, window{name: fmt.Sprintf("after Ready (%d passes at an unchanged revision)", res.opts.passes), from: res.ready})
	}
	return ws
}

func (res *results) print(w io.Writer) {
	o := res.opts
	fmt.Fprintf(w, "\ndaemon benchmark: %d shoots, %d objects; Fleet interval %s, --gate-poll-interval %s, simulator delay %s; extra env %q; load average %s\n\n",
		o.shoots, res.objects, o.interval, o.gatePoll, o.delay, o.env, res.load)
	row := func(name, value string) { fmt.Fprintf(w, "| %s | %s |\n", name, value) }
	fmt.Fprintln(w, "| `gardenfleet serve` | value |")
	fmt.Fprintln(w, "| --- | --- |")
	row("/readyz answers", since(res.readyz))
	row("revision applied, every object in the inventory", since(res.applied))
	row("first Ready=True, every shoot up to date", since(res.ready))
	if res.ready > 0 {
		row("Shoots on the server at Ready", fmt.Sprint(res.liveShoots))
	}
	verdict := "missed"
	if res.hwm > 0 && res.hwm < goal {
		verdict = "met"
	}
	row("**peak RSS (VmHWM)**, goal under 300 MiB", fmt.Sprintf("**%s** (%s)", mib(res.hwm), verdict))
	for _, win := range res.windows() {
		rss := rssIn(res.samples, win)
		if len(rss) == 0 {
			continue
		}
		row("max sampled RSS, "+win.name, mib(slices.Max(rss)))
	}
	if res.end > 0 {
		rss := rssIn(res.samples, window{from: res.ready})
		row("steady RSS after Ready: median (min to max)", fmt.Sprintf("%s (%s to %s)", mib(median(rss)), mib(slices.Min(rss)), mib(slices.Max(rss))))
		row("RSS at the end", mib(res.samples[len(res.samples)-1].rss))
		row("passes after Ready, objects unchanged in them", fmt.Sprintf("%v passes, %v objects unchanged, Ready=True at the end: %t",
			res.passesAtEnd-res.passesAtReady, res.unchangedEnd-res.unchangedAtReady, res.stillReady))
	}
	if len(res.heap) > 0 {
		inuse := make([]int64, len(res.heap))
		for i, h := range res.heap {
			inuse[i] = h.inuse
		}
		row("Go heap in use (go_memstats_heap_inuse_bytes, every 2 s): max, at the end", fmt.Sprintf("%s, %s", mib(slices.Max(inuse)), mib(inuse[len(inuse)-1])))
	}
	if g := res.gcSummary(); g != "" {
		row("garbage collections (gctrace)", g)
	}
}

// gcSummary says how many collections ran and the largest live heap and
// heap goal they saw, before and after Ready.
func (res *results) gcSummary() string {
	if len(res.gc) == 0 {
		return ""
	}
	var top, topAfter gcCycle
	var goalMax int64
	for _, c := range res.gc {
		if c.live > top.live {
			top = c
		}
		goalMax = max(goalMax, c.goal)
		if res.ready > 0 && c.at >= res.ready && c.live > topAfter.live {
			topAfter = c
		}
	}
	s := fmt.Sprintf("%d cycles; largest live heap %d MiB (cycle %d at %s), largest heap goal %d MiB",
		len(res.gc), top.live, top.n, seconds(top.at), goalMax)
	if topAfter.n > 0 {
		s += fmt.Sprintf("; after Ready at most %d MiB live", topAfter.live)
	}
	return s
}

func median(v []int64) int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func since(d time.Duration) string {
	if d == 0 {
		return "not reached"
	}
	return "after " + seconds(d)
}
