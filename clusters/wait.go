package clusters

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

// WaitOptions tunes Wait.
type WaitOptions struct {
	// Interval is the time between two looks at the objects.
	Interval time.Duration
	// Timeout bounds the whole wait; objects not done by then are Pending.
	Timeout time.Duration
	// FailFast ends the wait as soon as one object has Failed.
	FailFast bool
	// ListThreshold: with at least this many objects of one kind pending,
	// they are listed (by ownership label) instead of fetched one by one.
	ListThreshold int
}

// DefaultWaitOptions returns the options Wait is meant to run with.
func DefaultWaitOptions() WaitOptions {
	return WaitOptions{Interval: 2 * time.Second, Timeout: 10 * time.Minute, FailFast: true, ListThreshold: 20}
}

// ObjectHealth is the health of one object.
type ObjectHealth struct {
	Ref    inventory.Ref
	Health Health
}

// String renders "Kind/ns/name State: message".
func (o ObjectHealth) String() string {
	return fmt.Sprintf("%s %s: %s", o.Ref, o.Health.State, o.Health.Message)
}

// WaitResult sorts the waited-for objects by where they ended, each list
// sorted by object.
type WaitResult struct {
	Ready   []ObjectHealth
	Failed  []ObjectHealth
	Pending []ObjectHealth
}

// Wait polls objs until every one is Ready (ObjectStatus: Shoots by
// ShootStatus, Topologies by TopologyStatus, the rest by kstatus), one Failed
// with FailFast, or Timeout passes. The result says which objects are ready,
// failed and pending. The error joins one *ObjectError (op "wait") per failed
// object, and per pending object when the wait ran out of time.
func (m *Manager) Wait(ctx context.Context, objs []*unstructured.Unstructured, opts WaitOptions) (WaitResult, error) {
	d := DefaultWaitOptions()
	if opts.Interval <= 0 {
		opts.Interval = d.Interval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = d.Timeout
	}
	if opts.ListThreshold < 1 {
		opts.ListThreshold = d.ListThreshold
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	pending := inventory.New(objs).Entries
	last := map[inventory.Ref]Health{}
	var res WaitResult
poll:
	for {
		m.refresh(ctx, pending, last, opts)
		var still []inventory.Ref
		for _, r := range pending {
			switch h := last[r]; h.State {
			case Ready:
				res.Ready = append(res.Ready, ObjectHealth{r, h})
			case Failed:
				res.Failed = append(res.Failed, ObjectHealth{r, h})
			default:
				still = append(still, r)
			}
		}
		pending = still
		if len(pending) == 0 || (opts.FailFast && len(res.Failed) > 0) {
			break
		}
		select {
		case <-ctx.Done():
			break poll
		case <-time.After(opts.Interval):
		}
	}

	timedOut := ctx.Err() != nil
	var errs []error
	for _, f := range res.Failed {
		errs = append(errs, &ObjectError{Ref: f.Ref, Op: "wait", Err: fmt.Errorf("failed: %s", f.Health.Message)})
	}
	for _, r := range pending {
		h := last[r]
		res.Pending = append(res.Pending, ObjectHealth{r, h})
		if timedOut {
			errs = append(errs, &ObjectError{Ref: r, Op: "wait", Err: fmt.Errorf("not ready within %s: %s", opts.Timeout, h.Message)})
		}
	}
	for _, l := range [][]ObjectHealth{res.Ready, res.Failed, res.Pending} {
		slices.SortFunc(l, func(a, b ObjectHealth) int { return cmp.Compare(a.Ref.String(), b.Ref.String()) })
	}
	return res, errors.Join(errs...)
}

// refresh records the current health of refs in last: kinds with at least
// opts.ListThreshold refs are listed, the rest (and whatever a list missed)
// fetched one by one.
func (m *Manager) refresh(ctx context.Context, refs []inventory.Ref, last map[inventory.Ref]Health, opts WaitOptions) {
	byGVK := map[schema.GroupVersionKind][]inventory.Ref{}
	for _, r := range refs {
		byGVK[r.GroupVersionKind()] = append(byGVK[r.GroupVersionKind()], r)
	}
	for gvk, rs := range byGVK {
		missing := rs
		if len(rs) >= opts.ListThreshold {
			want := map[inventory.Ref]bool{}
			for _, r := range rs {
				want[r] = true
			}
			seen := map[inventory.Ref]bool{}
			err := m.ListOwned(ctx, gvk, func(u *unstructured.Unstructured) {
				r := inventory.Ref{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: u.GetName()}
				if want[r] {
					last[r] = ObjectStatus(u)
					seen[r] = true
				}
			})
			if err == nil {
				missing = slices.DeleteFunc(slices.Clone(rs), func(r inventory.Ref) bool { return seen[r] })
			}
		}
		for _, r := range missing {
			live, err := m.Live(ctx, r.Object())
			switch {
			case err != nil:
				last[r] = Health{Progressing, fmt.Sprintf("get: %v", err)}
			case live == nil:
				last[r] = Health{Progressing, "not found"}
			default:
				last[r] = ObjectStatus(live)
			}
		}
	}
}
