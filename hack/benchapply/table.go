package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// print writes the results as a table: one column per gardenfleet client
// limit, then kubectl, then the goal.
func (r *results) print(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "\napply benchmark: %d shoots, %d objects (rendered in %s); %d rounds, each applier into a fresh API server; gardenfleet concurrency %d; load average %s\n\n",
		o.shoots, r.objects, seconds(r.render), o.rounds, o.concurrency, r.load)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cols := append(slices.Clone(r.gardenfleet), r.kubectl)
	perColumn := func(cell func([]sample) string) []string {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = cell(c)
		}
		return cells
	}
	// firstOnly fills the first column and leaves the others empty.
	firstOnly := func(cell string) []string {
		cells := make([]string, len(cols))
		cells[0] = cell
		return cells
	}
	row := func(measure string, cells []string, goal string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", measure, strings.Join(cells, "\t"), goal)
	}
	var header []string
	for _, l := range o.limits {
		header = append(header, "gardenfleet, client limit "+l.String())
	}
	row("measure", append(header, "kubectl"), "goal")

	row(fmt.Sprintf("cold apply, wall, median of %d", o.rounds), perColumn(func(ss []sample) string { return seconds(median(ss, wall)) }), "")
	row("cold apply, wall, each round", perColumn(func(ss []sample) string { return each(ss, wall) }), "")
	row("cold apply, client CPU, median", perColumn(func(ss []sample) string { return seconds(median(ss, clientCPU)) }), "")
	row("cold apply, API server + etcd CPU, median", perColumn(func(ss []sample) string { return cpuSeconds(median(ss, serverCPU)) }), "")
	row("cold apply, requests per object", perColumn(func(ss []sample) string { return fmt.Sprintf("%.2f", perObject(ss, r.objects)) }), "")
	kw := median(r.kubectl, wall)
	speedups := make([]string, len(cols))
	for i, ss := range r.gardenfleet {
		x := kw.Seconds() / median(ss, wall).Seconds()
		speedups[i] = fmt.Sprintf("%.2fx (%s)", x, met(x >= 2))
	}
	row("speed-up, kubectl wall / gardenfleet wall", speedups, ">= 2x")

	limit := float64(r.objects) / 50
	noop := slices.MaxFunc(r.noop, func(a, b sample) int { return a.requests - b.requests })
	row(fmt.Sprintf("no-op pass, requests (most of %d passes)", len(r.noop)),
		firstOnly(fmt.Sprintf("%d (%s)", noop.requests, met(float64(noop.requests) < limit))), fmt.Sprintf("< %.1f (1 per 50 objects)", limit))
	row("no-op pass, wall, median", firstOnly(seconds(median(r.noop, wall))), "")
	row("daemon peak RSS, 5,000 shoots", firstOnly("see make bench-daemon"), "< 300 MiB")
	tw.Flush()
	fmt.Fprintf(w, "\ngardenfleet cold requests: %s\ngardenfleet no-op requests: %s\nkubectl requests held back by its client rate limiter: %d\ndaemon memory: %s\n",
		r.gardenfleet[0][0].counts, noop.counts, r.kubectlThrottle, r.serve)
}

func wall(s sample) time.Duration      { return s.wall }
func clientCPU(s sample) time.Duration { return s.clientCPU }
func serverCPU(s sample) time.Duration { return s.serverCPU }

// median of one field over samples (the upper one of an even count).
func median(ss []sample, field func(sample) time.Duration) time.Duration {
	if len(ss) == 0 {
		return 0
	}
	ds := make([]time.Duration, len(ss))
	for i, s := range ss {
		ds[i] = field(s)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// each lists one field of every sample in order, in seconds.
func each(ss []sample, field func(sample) time.Duration) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprintf("%.2f", field(s).Seconds())
	}
	return strings.Join(parts, " ")
}

// perObject is the median requests per object.
func perObject(ss []sample, objects int) float64 {
	ns := make([]int, len(ss))
	for i, s := range ss {
		ns[i] = s.requests
	}
	slices.Sort(ns)
	return float64(ns[len(ns)/2]) / float64(objects)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// cpuSeconds is seconds, or "n/a" where CPU time could not be read (-1).
func cpuSeconds(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return seconds(d)
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}
