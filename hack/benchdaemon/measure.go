package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
)

// Labels of the Fleet's samples in the daemon's metrics.
var fleetLabels = []string{`namespace="` + fleetKey.Namespace + `"`, `name="` + fleetKey.Name + `"`}

// memSample is the daemon's resident memory at one moment.
type memSample struct {
	at  time.Duration // since the daemon started
	rss int64
}

// heapSample is the daemon's go_memstats_heap_inuse_bytes at one moment.
type heapSample struct {
	at    time.Duration
	inuse int64
}

// results are the figures of one run; times are since the daemon started,
// zero when not reached.
type results struct {
	opts    options
	objects int
	load    string

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
	liveShoots                     int
	gc                             []gcCycle
}

// measure samples the daemon's memory every second while it brings the
// Fleet to Ready and through o.passes passes after that.
func measure(ctx context.Context, o options, l *landscape, d *daemon, res *results) error {
	readyBy := time.Now().Add(o.readyTimeout)
	var doneBy time.Time // set at Ready
	// Each pass after Ready comes at the interval (±5% jitter).
	passesBound := time.Duration(float64(o.passes)*1.2*float64(o.interval)) + time.Minute
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastMsg := ""
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("measure: %w", ctx.Err())
		case <-d.exited:
			return fmt.Errorf("gardenfleet serve ended: %v", d.exitErr) //nolint:errorlint // nil when it exited 0, which %w would print as %!w(<nil>)
		case <-tick.C:
		}
		now := time.Since(d.started)
		m, err := d.memory()
		if err != nil {
			return err
		}
		res.samples = append(res.samples, memSample{at: now, rss: m.rss})
		res.hwm = m.hwm
		if res.readyz == 0 && d.ready(ctx) {
			res.readyz = now
		}
		if i%2 != 0 {
			continue
		}

		// Every other second: the Fleet's status and the daemon's metrics.
		f := &v1alpha1.Fleet{}
		if err := l.env.Client.Get(ctx, fleetKey, f); err != nil {
			return fmt.Errorf("get Fleet %s: %w", fleetKey, err)
		}
		text, err := d.metrics(ctx)
		if err != nil {
			return err
		}
		if v, ok, err := metricValue(text, "go_memstats_heap_inuse_bytes"); err != nil {
			return err
		} else if ok {
			res.heap = append(res.heap, heapSample{at: now, inuse: int64(v)})
		}
		passes, _, err := metricValue(text, "gardenfleet_reconcile_duration_seconds_count", fleetLabels...)
		if err != nil {
			return err
		}
		unchanged, _, err := metricValue(text, "gardenfleet_objects_applied_total", append(fleetLabels, `action="unchanged"`)...)
		if err != nil {
			return err
		}

		if msg := conditionString(readyCondition(f)); msg != lastMsg {
			lastMsg = msg
			logf("%s: RSS %s, Fleet Ready=%s", seconds(now), mib(m.rss), msg)
		}
		inventoryFull, isReady := fleetDone(f, l.revision, res.objects, o.shoots)
		if res.applied == 0 && inventoryFull {
			res.applied = now
		}
		switch {
		case res.ready == 0 && isReady:
			res.ready = now
			// The pass that made the Fleet Ready may not be counted yet: the
			// status is patched just before the metrics are written.
			time.Sleep(time.Second)
			if text, err = d.metrics(ctx); err != nil {
				return err
			}
			res.passesAtReady, _, _ = metricValue(text, "gardenfleet_reconcile_duration_seconds_count", fleetLabels...)
			res.unchangedAtReady, _, _ = metricValue(text, "gardenfleet_objects_applied_total", append(fleetLabels, `action="unchanged"`)...)
			doneBy = time.Now().Add(passesBound)
			logf("%s: Ready, %d objects applied, %d shoots up to date; measuring %d more passes", seconds(now), res.objects, o.shoots, o.passes)
			if res.liveShoots, err = countShoots(ctx, l.env.Client); err != nil {
				return err
			}
		case res.ready == 0 && time.Now().After(readyBy):
			return fmt.Errorf("the Fleet was not Ready with %d objects and %d shoots up to date within %s: Ready=%s, %d up to date, inventory %d",
				res.objects, o.shoots, o.readyTimeout, lastMsg, f.Status.ShootsUpToDate, inventoryLen(f))
		case res.ready > 0 && passes >= res.passesAtReady+float64(o.passes):
			res.end, res.passesAtEnd, res.unchangedEnd, res.stillReady = now, passes, unchanged, isReady
			return res.finalHeap(ctx, d)
		case res.ready > 0 && time.Now().After(doneBy):
			return fmt.Errorf("%d passes after Ready did not happen within %s: %v counted", o.passes, passesBound, passes-res.passesAtReady)
		}
	}
}

// finalHeap samples the heap once more, then VmHWM.
func (res *results) finalHeap(ctx context.Context, d *daemon) error {
	text, err := d.metrics(ctx)
	if err != nil {
		return err
	}
	if v, ok, err := metricValue(text, "go_memstats_heap_inuse_bytes"); err != nil {
		return err
	} else if !ok {
		return errors.New("the daemon's /metrics has no go_memstats_heap_inuse_bytes")
	} else {
		res.heap = append(res.heap, heapSample{at: time.Since(d.started), inuse: int64(v)})
	}
	m, err := d.memory()
	if err != nil {
		return err
	}
	res.hwm = m.hwm
	return nil
}

// readGCTrace reads the daemon's gctrace lines from its log.
func (res *results) readGCTrace(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read the daemon's log: %w", err)
	}
	defer f.Close()
	res.gc, err = parseGCTrace(f)
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
