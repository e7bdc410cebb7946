package reconciler

import (
	"errors"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
)

// Metrics are the reconciler's Prometheus metrics, labelled by the Fleet's
// namespace and name.
type Metrics struct {
	duration    *prometheus.HistogramVec
	condition   *prometheus.GaugeVec
	applied     *prometheus.CounterVec
	fetchFails  *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	forced      *prometheus.GaugeVec
	shoots      *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gardenfleet_reconcile_duration_seconds",
			Help:    "Duration of one reconcile pass of a Fleet.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"namespace", "name"}),
		condition: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gardenfleet_condition",
			Help: "1 for the status (True, False, Unknown) a Fleet's condition has, 0 for the others.",
		}, []string{"namespace", "name", "type", "status"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gardenfleet_objects_applied_total",
			Help: "Objects handled by apply and prune, by action (created, configured, unchanged, deleted, skipped).",
		}, []string{"namespace", "name", "action"}),
		fetchFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gardenfleet_fetch_failures_total",
			Help: "Failed fetches of a Fleet's Git repository.",
		}, []string{"namespace", "name"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gardenfleet_last_success_timestamp_seconds",
			Help: "Unix time of a Fleet's last pass that ended without an error.",
		}, []string{"namespace", "name"}),
		forced: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gardenfleet_shoots_facing_forced_update",
			Help: "Shoots of a Fleet running a Kubernetes or machine image version that expires within 30 days, which Gardener then force-updates.",
		}, []string{"namespace", "name"}),
		shoots: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gardenfleet_shoots",
			Help: "Shoots of a Fleet by phase (UpToDate, Upgrading, Waiting, Held, Stalled), as its status counts them.",
		}, []string{"namespace", "name", "phase"}),
	}
	for _, c := range []prometheus.Collector{m.duration, m.condition, m.applied, m.fetchFails, m.lastSuccess, m.forced, m.shoots} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

var (
	defaultMetricsOnce sync.Once
	defaultMetrics     *Metrics
)

// DefaultMetrics returns the metrics registered with controller-runtime's
// registry, which its metrics server serves. They are created once.
func DefaultMetrics() *Metrics {
	defaultMetricsOnce.Do(func() {
		m, err := NewMetrics(ctrlmetrics.Registry)
		var already prometheus.AlreadyRegisteredError
		if err != nil && !errors.As(err, &already) {
			panic(err) // the collectors are constants: only a programming error gets here
		}
		defaultMetrics = m
	})
	return defaultMetrics
}

func (m *Metrics) observe(f *v1alpha1.Fleet, took time.Duration, passErr error, now time.Time) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(f.Namespace, f.Name).Observe(took.Seconds())
	for _, t := range []string{meta.ReadyCondition, meta.ReconcilingCondition, meta.StalledCondition} {
		c := conditions.Get(f, t)
		for _, s := range []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown} {
			v := 0.0
			if c != nil && c.Status == s {
				v = 1
			}
			m.condition.WithLabelValues(f.Namespace, f.Name, t, string(s)).Set(v)
		}
	}
	if passErr == nil {
		m.lastSuccess.WithLabelValues(f.Namespace, f.Name).Set(float64(now.Unix()))
	}
	m.forced.WithLabelValues(f.Namespace, f.Name).Set(float64(f.Status.ShootsFacingForcedUpdate))
	if c := f.Status.ShootCounts; c != nil {
		for _, p := range []v1alpha1.ShootPhase{v1alpha1.ShootUpToDate, v1alpha1.ShootUpgrading, v1alpha1.ShootWaiting, v1alpha1.ShootHeld, v1alpha1.ShootStalled} {
			m.shoots.WithLabelValues(f.Namespace, f.Name, string(p)).Set(float64(c.Of(p)))
		}
	}
}

func (m *Metrics) objectsApplied(f *v1alpha1.Fleet, cs *clusters.ChangeSet) {
	if m == nil || cs == nil {
		return
	}
	for _, a := range []clusters.Action{clusters.Created, clusters.Configured, clusters.Unchanged, clusters.Deleted, clusters.Skipped} {
		if n := cs.Count(a); n > 0 {
			m.applied.WithLabelValues(f.Namespace, f.Name, string(a)).Add(float64(n))
		}
	}
}

func (m *Metrics) fetchFailed(f *v1alpha1.Fleet) {
	if m == nil {
		return
	}
	m.fetchFails.WithLabelValues(f.Namespace, f.Name).Inc()
}

// forget drops the series of a deleted Fleet.
func (m *Metrics) forget(namespace, name string) {
	if m == nil {
		return
	}
	labels := prometheus.Labels{"namespace": namespace, "name": name}
	m.duration.DeletePartialMatch(labels)
	m.condition.DeletePartialMatch(labels)
	m.applied.DeletePartialMatch(labels)
	m.fetchFails.DeletePartialMatch(labels)
	m.lastSuccess.DeletePartialMatch(labels)
	m.forced.DeletePartialMatch(labels)
	m.shoots.DeletePartialMatch(labels)
}
