package clusters

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// benchShoots returns n workerless shoots in namespace ns, the size of a
// rendered fleet's shoots without provider configs.
func benchShoots(ns string, n int) []*unstructured.Unstructured {
	objs := make([]*unstructured.Unstructured, n)
	for i := range objs {
		objs[i] = &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "core.gardener.cloud/v1beta1",
			"kind":       "Shoot",
			"metadata": map[string]any{
				"name": fmt.Sprintf("s%04d", i), "namespace": ns,
				"labels": map[string]any{"team": "bench", "env": "dev"},
			},
			"spec": map[string]any{
				"cloudProfile": map[string]any{"kind": "CloudProfile", "name": "local"},
				"region":       "local",
				"purpose":      "development",
				"provider":     map[string]any{"type": "local"},
				"kubernetes": map[string]any{
					"version":       "1.36.3",
					"kubeAPIServer": map[string]any{"enableAnonymousAuthentication": false},
				},
				"networking": map[string]any{"services": "10.248.0.0/18"},
				"maintenance": map[string]any{
					"autoUpdate": map[string]any{"kubernetesVersion": true},
					"timeWindow": map[string]any{"begin": "220000+0100", "end": "230000+0100"},
				},
			},
		}}
	}
	return objs
}

// BenchmarkApply measures applying shoots to the envtest API server: cold
// (all created) and a no-op (nothing changed). It reports API requests per
// object; the no-op path should stay far below 1/50.
func BenchmarkApply(b *testing.B) {
	e := requireEnv(b)
	ctx := context.Background()
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("cold/shoots=%d", n), func(b *testing.B) {
			m, counter := newManager(b, e)
			requests := 0
			for b.Loop() {
				b.StopTimer()
				objs := benchShoots(e.NewNamespace(b), n)
				counter.take()
				b.StartTimer()
				cs, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
				if err != nil {
					b.Fatal(err)
				}
				if got := cs.Count(Created); got != n {
					b.Fatalf("created %d, want %d", got, n)
				}
				requests += len(counter.take())
			}
			b.ReportMetric(float64(requests)/float64(b.N*n), "requests/object")
		})
		b.Run(fmt.Sprintf("noop/shoots=%d", n), func(b *testing.B) {
			m, counter := newManager(b, e)
			objs := benchShoots(e.NewNamespace(b), n)
			if _, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions()); err != nil {
				b.Fatal(err)
			}
			counter.take()
			requests := 0
			for b.Loop() {
				cs, err := m.Apply(ctx, Whole(objs...), DefaultApplyOptions())
				if err != nil {
					b.Fatal(err)
				}
				if got := cs.Count(Unchanged); got != n {
					b.Fatalf("unchanged %d, want %d: %s", got, n, cs.Summary())
				}
				requests += len(counter.take())
			}
			b.ReportMetric(float64(requests)/float64(b.N*n), "requests/object")
		})
	}
}
