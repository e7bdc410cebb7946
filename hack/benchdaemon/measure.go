package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
	"github.com/gardenfleet/gardenfleet/reconciler"
)

// Metrics the driver reads from each daemon's /metrics.
const (
	passesMetric    = "gardenfleet_reconcile_duration_seconds_count"
	appliedMetric   = "gardenfleet_objects_applied_total"
	heapMetric      = "go_memstats_heap_inuse_bytes"
	requestsMetric  = "rest_client_requests_total" // client-go's, by code, method and host
	workersMetric   = "controller_runtime_active_workers"
	leaseMethod     = "PUT" // leader election renews its Lease with an update; the reconciler only patches
	fleetStatusPoll = 2     // seconds between the driver's GETs of each Fleet
)

// memSample is a daemon's resident memory at one moment.
type memSample struct {
	at  time.Duration // since the daemon started
	rss int64
}

// heapSample is a daemon's go_memstats_heap_inuse_bytes at one moment.
type heapSample struct {
	at    time.Duration
	inuse int64
}

// requests counts a daemon's API requests by HTTP method, as client-go's
// rest_client_requests_total does: a list, a get and the start of a watch
// are all GET.
type requests map[string]float64

func (r requests) minus(o requests) requests {
	d := requests{}
	for m, n := range r {
		if v := n - o[m]; v != 0 {
			d[m] = v
		}
	}
	return d
}

func (r requests) total() float64 {
	t := 0.0
	for _, n := range r {
		t += n
	}
	return t
}

// String is "83 (GET 81, PATCH 2)".
func (r requests) String() string {
	var parts []string
	for _, m := range slices.Sorted(maps.Keys(r)) {
		parts = append(parts, fmt.Sprintf("%s %v", m, r[m]))
	}
	return fmt.Sprintf("%v (%s)", r.total(), strings.Join(parts, ", "))
}

// passRequests are a daemon's requests around one pass after Ready.
type passRequests struct {
	// pass runs from the last poll with no worker active before the pass
	// ended to the first poll after it: the pass and up to a second on
	// either side.
	pass     requests
	passSpan time.Duration
	// cycle runs from the end of the pass before to the end of this one:
	// one interval, background traffic included.
	cycle     requests
	cycleSpan time.Duration
}

// own are the pass's requests but the Lease renewals that fell into it.
func (p passRequests) own() float64 { return p.pass.total() - p.pass[leaseMethod] }

// daemonResult are the figures of one daemon and its shard; times are
// since the daemon started, zero when not reached.
type daemonResult struct {
	shard   *shard
	samples []memSample
	heap    []heapSample
	hwm     int64

	readyz  time.Duration // /readyz first answered
	applied time.Duration // the revision applied with every object in the inventory
	ready   time.Duration // Ready=True, every shoot up to date
	end     time.Duration

	passesAtReady, passesAtEnd     float64
	unchangedAtReady, unchangedEnd float64
	stillReady                     bool // Ready=True at the end
	fleetBytesReady, fleetBytesEnd int  // the Fleet as JSON
	passes                         []passRequests
	gc                             []gcCycle

	// What the polls carry from one to the next.
	lastMsg           string
	isReady           bool // at the last GET of the Fleet
	baseline          bool // passesAtReady and the request counts below are set
	passesSeen        float64
	idle, lastEnd     requests
	idleAt, lastEndAt time.Duration
	doneBy            time.Time
}

// results are the figures of one run.
type results struct {
	opts       options
	load       string
	daemons    []*daemonResult
	liveShoots int // Shoots on the server once every Fleet was Ready
}

// measure samples each daemon's memory every second while it brings its
// Fleet to Ready and through o.passes passes after that, and counts the
// API requests of those passes.
func measure(ctx context.Context, o options, l *landscape, ds []*daemon, res *results) error {
	readyBy := time.Now().Add(o.readyTimeout)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("measure: %w", ctx.Err())
		case <-tick.C:
		}
		done := true
		for j, d := range ds {
			r := res.daemons[j]
			if r.end > 0 {
				continue
			}
			done = false
			if err := r.poll(ctx, o, l, d, i%fleetStatusPoll == 0); err != nil {
				return fmt.Errorf("daemon of %s: %w", r.shard.selector(), err)
			}
			if r.ready == 0 && time.Now().After(readyBy) {
				return fmt.Errorf("the Fleet %s was not Ready with %d objects and %d shoots up to date within %s: Ready=%s",
					r.shard.key, r.shard.objects, r.shard.shoots, o.readyTimeout, r.lastMsg)
			}
		}
		if done {
			return nil
		}
		if res.liveShoots == 0 && allReady(res.daemons) {
			var err error
			if res.liveShoots, err = countShoots(ctx, l.env.Client); err != nil {
				return err
			}
		}
	}
}

func allReady(rs []*daemonResult) bool {
	for _, r := range rs {
		if r.ready == 0 {
			return false
		}
	}
	return true
}

// poll takes one second's samples of the daemon and, withFleet, looks at
// its Fleet.
func (r *daemonResult) poll(ctx context.Context, o options, l *landscape, d *daemon, withFleet bool) error {
	select {
	case <-d.exited:
		return fmt.Errorf("gardenfleet serve ended: %v", d.exitErr) //nolint:errorlint // nil when it exited 0, which %w would print as %!w(<nil>)
	default:
	}
	s := r.shard
	now := time.Since(d.started)
	m, err := d.memory()
	if err != nil {
		return err
	}
	r.samples = append(r.samples, memSample{at: now, rss: m.rss})
	r.hwm = m.hwm
	if r.readyz == 0 && d.ready(ctx) {
		r.readyz = now
	}

	// The Fleet before the metrics: its status is patched before the pass
	// is counted.
	if withFleet {
		f := &v1alpha1.Fleet{}
		if err := l.env.Client.Get(ctx, s.key, f); err != nil {
			return fmt.Errorf("get Fleet %s: %w", s.key, err)
		}
		if msg := conditionString(readyCondition(f)); msg != r.lastMsg {
			r.lastMsg = msg
			logf("%s %s: RSS %s, Fleet Ready=%s", s.selector(), seconds(now), mib(m.rss), msg)
		}
		var inventoryFull bool
		inventoryFull, r.isReady = fleetDone(f, s.revision, s.objects, s.shoots)
		if r.applied == 0 && inventoryFull {
			r.applied = now
		}
	}

	text, err := d.metrics(ctx)
	if err != nil {
		return err
	}
	if foreign := foreignFleets(text, s); len(foreign) > 0 {
		return fmt.Errorf("it reconciled Fleets not of its shard (%s): %s", s.selector(), strings.Join(foreign, ", "))
	}
	m2, err := readDaemonMetrics(text, s)
	if err != nil {
		return err
	}
	r.heap = append(r.heap, heapSample{at: now, inuse: int64(m2.heap)})

	switch {
	case r.ready == 0 && r.isReady:
		r.ready = now
		r.doneBy = time.Now().Add(time.Duration(float64(o.passes)*1.2*float64(o.interval)) + time.Minute)
		logf("%s %s: Ready, %d objects applied, %d shoots up to date; measuring %d more passes", s.selector(), seconds(now), s.objects, s.shoots, o.passes)
		if r.fleetBytesReady, err = fleetSize(ctx, l, s); err != nil {
			return err
		}
	case r.ready > 0 && !r.baseline:
		// A poll after Ready: the pass that made the Fleet Ready is counted.
		r.baseline = true
		r.passesAtReady, r.unchangedAtReady, r.passesSeen = m2.passes, m2.unchanged, m2.passes
		r.lastEnd, r.lastEndAt = m2.requests, now
		r.idle, r.idleAt = m2.requests, now
	case r.baseline && m2.passes > r.passesSeen:
		if m2.passes > r.passesSeen+1 {
			logf("%s %s: %v passes ended within a second; their requests are counted as one", s.selector(), seconds(now), m2.passes-r.passesSeen)
		}
		p := passRequests{
			pass: m2.requests.minus(r.idle), passSpan: now - r.idleAt,
			cycle: m2.requests.minus(r.lastEnd), cycleSpan: now - r.lastEndAt,
		}
		r.passes = append(r.passes, p)
		logf("%s %s: pass %d after Ready: %s requests in %s (%v without the Lease's %s)", s.selector(), seconds(now),
			len(r.passes), p.pass, seconds(p.passSpan), p.own(), leaseMethod)
		r.passesSeen, r.lastEnd, r.lastEndAt = m2.passes, m2.requests, now
	}
	if r.baseline && m2.activeWorkers == 0 {
		r.idle, r.idleAt = m2.requests, now
	}

	switch {
	case r.baseline && m2.passes >= r.passesAtReady+float64(o.passes):
		r.end, r.passesAtEnd, r.unchangedEnd, r.stillReady = now, m2.passes, m2.unchanged, r.isReady
		if r.fleetBytesEnd, err = fleetSize(ctx, l, s); err != nil {
			return err
		}
		return r.finalMemory(d)
	case r.ready > 0 && time.Now().After(r.doneBy):
		return fmt.Errorf("%d passes after Ready did not happen in time: %v counted", o.passes, m2.passes-r.passesAtReady)
	}
	return nil
}

// daemonMetrics are the samples the driver reads at each poll.
type daemonMetrics struct {
	heap, passes, unchanged, activeWorkers float64
	requests                               requests
}

func readDaemonMetrics(text string, s *shard) (daemonMetrics, error) {
	var m daemonMetrics
	var ok bool
	var err error
	if m.heap, ok, err = metricValue(text, heapMetric); err != nil {
		return m, err
	} else if !ok {
		return m, fmt.Errorf("the daemon's /metrics has no %s", heapMetric)
	}
	if m.passes, _, err = metricValue(text, passesMetric, s.metricLabels()...); err != nil {
		return m, err
	}
	if m.unchanged, _, err = metricValue(text, appliedMetric, s.metricLabels(`action="unchanged"`)...); err != nil {
		return m, err
	}
	if m.activeWorkers, ok, err = metricValue(text, workersMetric, `controller="`+reconciler.ControllerName+`"`); err != nil {
		return m, err
	} else if !ok {
		return m, fmt.Errorf("the daemon's /metrics has no %s of controller %s", workersMetric, reconciler.ControllerName)
	}
	sums, err := metricSum(text, requestsMetric, "method")
	m.requests = sums
	return m, err
}

// foreignFleets returns the Fleets other than the shard's that the
// daemon's own metrics have samples of.
func foreignFleets(text string, s *shard) []string {
	fleets, err := fleetsIn(text)
	if err != nil {
		return []string{err.Error()}
	}
	return slices.DeleteFunc(fleets, func(f string) bool { return f == s.key.String() })
}

// fleetSize returns the size of the shard's Fleet as stored.
func fleetSize(ctx context.Context, l *landscape, s *shard) (int, error) {
	b, err := l.fleetJSON(ctx, s.key)
	return len(b), err
}

// finalMemory samples the heap once more, then VmHWM.
func (r *daemonResult) finalMemory(d *daemon) error {
	m, err := d.memory()
	if err != nil {
		return err
	}
	r.hwm = m.hwm
	return nil
}

// readGCTrace reads the daemon's gctrace lines from its log.
func (r *daemonResult) readGCTrace(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read the daemon's log: %w", err)
	}
	defer f.Close()
	r.gc, err = parseGCTrace(f)
	return err
}

// countShoots counts the Shoots on the server, a page at a time.
func countShoots(ctx context.Context, c client.Client) (int, error) {
	n := 0
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(simulator.ShootGVK.GroupVersion().WithKind("ShootList"))
	for {
		if err := c.List(ctx, list, client.Limit(500), client.Continue(list.Continue)); err != nil {
			return 0, fmt.Errorf("list shoots: %w", err)
		}
		n += len(list.Items)
		if list.Continue == "" {
			return n, nil
		}
	}
}

// fleetDone says whether the Fleet applied revision with all objects in
// its inventory, and whether it is also Ready with every shoot up to date.
func fleetDone(f *v1alpha1.Fleet, revision string, objects, shoots int) (applied, ready bool) {
	applied = f.Status.LastAppliedRevision == revision && inventoryLen(f) == objects
	c := readyCondition(f)
	ready = applied && c != nil && c.Status == metav1.ConditionTrue && int(f.Status.ShootsUpToDate) == shoots
	return applied, ready
}

func readyCondition(f *v1alpha1.Fleet) *metav1.Condition {
	return conditions.Get(f, meta.ReadyCondition)
}

func conditionString(c *metav1.Condition) string {
	if c == nil {
		return "(none)"
	}
	msg := c.Message
	if len(msg) > 160 {
		msg = msg[:160] + "..."
	}
	return string(c.Status) + " " + c.Reason + ": " + msg
}

func inventoryLen(f *v1alpha1.Fleet) int { return f.Status.Inventory.Len() }
