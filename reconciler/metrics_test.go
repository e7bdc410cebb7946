package reconciler

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	f := &v1alpha1.Fleet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "fleet"}}
	conditions.MarkTrue(f, meta.ReadyCondition, SucceededReason, "applied")
	cs := &clusters.ChangeSet{Entries: []clusters.ChangeSetEntry{{Action: clusters.Created}, {Action: clusters.Created}, {Action: clusters.Unchanged}}}
	m.objectsApplied(f, cs)
	m.fetchFailed(f)
	f.Status.ShootsFacingForcedUpdate = 3
	f.Status.ShootCounts = &v1alpha1.ShootCounts{Total: 7, UpToDate: 4, Upgrading: 2, Stalled: 1}
	m.observe(f, 2*time.Second, nil, time.Unix(1700000000, 0))
	// A failed pass moves neither the success time nor anything but the condition.
	conditions.MarkFalse(f, meta.ReadyCondition, FetchFailedReason, "down")
	m.observe(f, time.Second, errors.New("down"), time.Unix(1700000100, 0))

	want := `
# HELP gardenfleet_condition 1 for the status (True, False, Unknown) a Fleet's condition has, 0 for the others.
# TYPE gardenfleet_condition gauge
gardenfleet_condition{name="fleet",namespace="ns",status="False",type="Ready"} 1
gardenfleet_condition{name="fleet",namespace="ns",status="False",type="Reconciling"} 0
gardenfleet_condition{name="fleet",namespace="ns",status="False",type="Stalled"} 0
gardenfleet_condition{name="fleet",namespace="ns",status="True",type="Ready"} 0
gardenfleet_condition{name="fleet",namespace="ns",status="True",type="Reconciling"} 0
gardenfleet_condition{name="fleet",namespace="ns",status="True",type="Stalled"} 0
gardenfleet_condition{name="fleet",namespace="ns",status="Unknown",type="Ready"} 0
gardenfleet_condition{name="fleet",namespace="ns",status="Unknown",type="Reconciling"} 0
gardenfleet_condition{name="fleet",namespace="ns",status="Unknown",type="Stalled"} 0
# HELP gardenfleet_fetch_failures_total Failed fetches of a Fleet's Git repository.
# TYPE gardenfleet_fetch_failures_total counter
gardenfleet_fetch_failures_total{name="fleet",namespace="ns"} 1
# HELP gardenfleet_last_success_timestamp_seconds Unix time of a Fleet's last pass that ended without an error.
# TYPE gardenfleet_last_success_timestamp_seconds gauge
gardenfleet_last_success_timestamp_seconds{name="fleet",namespace="ns"} 1.7e+09
# HELP gardenfleet_objects_applied_total Objects handled by apply and prune, by action (created, configured, unchanged, deleted, skipped).
# TYPE gardenfleet_objects_applied_total counter
gardenfleet_objects_applied_total{action="created",name="fleet",namespace="ns"} 2
gardenfleet_objects_applied_total{action="unchanged",name="fleet",namespace="ns"} 1
# HELP gardenfleet_shoots Shoots of a Fleet by phase (UpToDate, Upgrading, Waiting, Held, Stalled), as its status counts them.
# TYPE gardenfleet_shoots gauge
gardenfleet_shoots{name="fleet",namespace="ns",phase="Held"} 0
gardenfleet_shoots{name="fleet",namespace="ns",phase="Stalled"} 1
gardenfleet_shoots{name="fleet",namespace="ns",phase="UpToDate"} 4
gardenfleet_shoots{name="fleet",namespace="ns",phase="Upgrading"} 2
gardenfleet_shoots{name="fleet",namespace="ns",phase="Waiting"} 0
# HELP gardenfleet_shoots_facing_forced_update Shoots of a Fleet running a Kubernetes or machine image version that expires within 30 days, which Gardener then force-updates.
# TYPE gardenfleet_shoots_facing_forced_update gauge
gardenfleet_shoots_facing_forced_update{name="fleet",namespace="ns"} 3
`
	got, count := gather(t, reg, "gardenfleet_reconcile_duration_seconds")
	if diff := cmp.Diff(strings.TrimPrefix(want, "\n"), got); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
	if count != 2 {
		t.Errorf("passes observed = %d, want 2", count)
	}

	m.forget("ns", "fleet")
	if got, _ := gather(t, reg, ""); got != "" {
		t.Errorf("series left after forget:\n%s", got)
	}
}

// gather renders the registry's metrics as text, except the histogram
// skipped, whose sample count it returns.
func gather(t *testing.T, reg *prometheus.Registry, skipped string) (string, uint64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var count uint64
	for _, mf := range families {
		if mf.GetName() == skipped {
			for _, m := range mf.GetMetric() {
				count += m.GetHistogram().GetSampleCount()
			}
			continue
		}
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String(), count
}
