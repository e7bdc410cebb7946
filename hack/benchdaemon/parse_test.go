package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/types"
)

func TestParseProcStatus(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    procMemory
		wantErr string
	}{
		{
			name: "running process",
			status: "Name:\tgardenfleet\nVmPeak:\t 2000000 kB\nVmHWM:\t  312344 kB\nVmRSS:\t  201000 kB\n" +
				"RssAnon:\t  180000 kB\nThreads:\t12\n",
			want: procMemory{rss: 201000 << 10, hwm: 312344 << 10},
		},
		// errors
		{
			name:    "zombie has no memory lines",
			status:  "Name:\tgardenfleet\nState:\tZ (zombie)\nThreads:\t1\n",
			wantErr: "no VmRSS and VmHWM in status: has the process exited?",
		},
		{
			name:    "unit other than kB",
			status:  "VmHWM:\t1 MB\nVmRSS:\t1 kB\n",
			wantErr: `parse VmHWM: want "<n> kB", got "1 MB"`,
		},
		{
			name:    "not a number",
			status:  "VmHWM:\t1 kB\nVmRSS:\tlots kB\n",
			wantErr: `parse VmRSS: strconv.ParseInt: parsing "lots": invalid syntax`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStatus(strings.NewReader(tt.status))
			if gotErr := errString(err); gotErr != tt.wantErr {
				t.Fatalf("error = %q, want %q", gotErr, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(procMemory{})); diff != "" {
				t.Errorf("memory (-want +got):\n%s", diff)
			}
		})
	}
}

// metricsText is a slice of a controller-runtime /metrics page.
const metricsText = `# TYPE go_memstats_heap_inuse_bytes_extra gauge
go_memstats_heap_inuse_bytes_extra 7
# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 1.23076608e+08
gardenfleet_objects_applied_total{action="created",name="bench",namespace="gardenfleet-system"} 5020
gardenfleet_objects_applied_total{action="unchanged",name="bench",namespace="gardenfleet-system"} 10040
gardenfleet_objects_applied_total{action="unchanged",name="other",namespace="gardenfleet-system"} 3
gardenfleet_reconcile_duration_seconds_bucket{name="bench",namespace="gardenfleet-system",le="+Inf"} 9
gardenfleet_reconcile_duration_seconds_count{name="bench",namespace="gardenfleet-system"} 9
# TYPE rest_client_requests_total counter
rest_client_requests_total{code="200",host="127.0.0.1:6443",method="GET"} 81
rest_client_requests_total{code="200",host="127.0.0.1:6443",method="PATCH"} 2
rest_client_requests_total{code="404",host="127.0.0.1:6443",method="GET"} 3
rest_client_requests_total{code="200",host="127.0.0.1:6443",method="PUT"} 30
controller_runtime_active_workers{controller="gardenfleet"} 0
quoted{path="a,b\"} c",name="x"} 4
broken_labels{name="bench" 1
no_value
`

func TestMetricValue(t *testing.T) {
	tests := []struct {
		name      string
		metric    string
		labels    []string
		want      float64
		wantFound bool
		wantErr   string
	}{
		// A metric whose name extends the wanted one comes first.
		{name: "no labels, float notation", metric: "go_memstats_heap_inuse_bytes", want: 123076608, wantFound: true},
		{
			name: "labels pick one sample", metric: "gardenfleet_objects_applied_total",
			labels: []string{`namespace="gardenfleet-system"`, `name="bench"`, `action="unchanged"`}, want: 10040, wantFound: true,
		},
		{
			name: "count of a histogram", metric: "gardenfleet_reconcile_duration_seconds_count",
			labels: []string{`name="bench"`}, want: 9, wantFound: true,
		},
		{name: "no sample with the labels", metric: "gardenfleet_objects_applied_total", labels: []string{`action="deleted"`}},
		{name: "a value with a comma, a quote and a brace", metric: "quoted", labels: []string{`path="a,b\"} c"`}, want: 4, wantFound: true},
		{name: "absent metric", metric: "process_resident_memory_bytes"},
		// errors
		{name: "unterminated labels", metric: "broken_labels", wantErr: `parse metric broken_labels: unterminated labels in "broken_labels{name=\"bench\" 1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := metricValue(metricsText, tt.metric, tt.labels...)
			if gotErr := errString(err); gotErr != tt.wantErr {
				t.Fatalf("error = %q, want %q", gotErr, tt.wantErr)
			}
			if got != tt.want || found != tt.wantFound {
				t.Errorf("value, found = %v, %t; want %v, %t", got, found, tt.want, tt.wantFound)
			}
		})
	}
}

func TestMetricSum(t *testing.T) {
	tests := []struct {
		name    string
		metric  string
		by      string
		labels  []string
		want    map[string]float64
		wantErr string
	}{
		{name: "requests by method, every code", metric: "rest_client_requests_total", by: "method", want: map[string]float64{"GET": 84, "PATCH": 2, "PUT": 30}},
		{name: "requests by method, one code", metric: "rest_client_requests_total", by: "method", labels: []string{`code="404"`}, want: map[string]float64{"GET": 3}},
		{name: "by a label the samples lack", metric: "rest_client_requests_total", by: "verb", want: map[string]float64{"": 116}},
		{name: "absent metric", metric: "rest_client_request_duration_seconds_count", by: "method", want: map[string]float64{}},
		// errors
		{name: "unterminated labels", metric: "broken_labels", by: "name", wantErr: `parse metric broken_labels: unterminated labels in "broken_labels{name=\"bench\" 1"`},
		{name: "no value", metric: "no_value", by: "name", wantErr: `parse metric no_value: no value in "no_value"`},
		{name: "wanted labels malformed", metric: "rest_client_requests_total", by: "method", labels: []string{`code=200`}, wantErr: `parse metric rest_client_requests_total: wanted labels: want name="value" at "code=200"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := metricSum(metricsText, tt.metric, tt.by, tt.labels...)
			check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestFleetsIn(t *testing.T) {
	got, err := fleetsIn(metricsText)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"gardenfleet-system/bench", "gardenfleet-system/other"}, got); diff != "" {
		t.Errorf("Fleets (-want +got):\n%s", diff)
	}
	s := &shard{key: types.NamespacedName{Namespace: "gardenfleet-system", Name: "bench"}}
	if diff := cmp.Diff([]string{"gardenfleet-system/other"}, foreignFleets(metricsText, s)); diff != "" {
		t.Errorf("foreign Fleets (-want +got):\n%s", diff)
	}
	s.key.Name = "other"
	if got := foreignFleets("gardenfleet_condition{name=\"other\",namespace=\"gardenfleet-system\",type=\"Ready\"} 1\n", s); len(got) > 0 {
		t.Errorf("foreign Fleets = %q, want none", got)
	}
}

func TestParseLabels(t *testing.T) {
	tests := []struct {
		set     string
		want    map[string]string
		wantErr string
	}{
		{set: "", want: map[string]string{}},
		{set: `code="200",method="GET",`, want: map[string]string{"code": "200", "method": "GET"}},
		{set: ` a = "x" , b="" `, want: map[string]string{"a": "x", "b": ""}},
		{set: `path="a,b\"c\\d\ne"`, want: map[string]string{"path": "a,b\"c\\d\ne"}},
		// errors
		{set: `a`, wantErr: `want name="value" at "a"`},
		{set: `="x"`, wantErr: `want name="value" at "=\"x\""`},
		{set: `a="x" b="y"`, wantErr: `want a comma before "b=\"y\""`},
		{set: `a="x`, wantErr: `unterminated value of label a`},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			got, err := parseLabels(tt.set)
			check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestRequests(t *testing.T) {
	before := requests{"GET": 100, "PUT": 40, "PATCH": 7}
	after := requests{"GET": 181, "PUT": 41, "PATCH": 8, "POST": 1}
	d := after.minus(before)
	if diff := cmp.Diff(requests{"GET": 81, "PUT": 1, "PATCH": 1, "POST": 1}, d); diff != "" {
		t.Errorf("difference (-want +got):\n%s", diff)
	}
	if got, want := d.String(), "84 (GET 81, PATCH 1, POST 1, PUT 1)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got, want := (passRequests{pass: d}).own(), 83.0; got != want {
		t.Errorf("own = %v, want %v (all but the Lease's PUT)", got, want)
	}
}

func TestParseGCTrace(t *testing.T) {
	tests := []struct {
		name    string
		log     string
		want    []gcCycle
		wantErr string
	}{
		{
			name: "gctrace among JSON log lines",
			log: `gc 1 @0.004s 3%: 0.012+0.49+0.018 ms clock, 0.025+0.10/0.27/0.12+0.037 ms cpu, 3->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"starting","gc 2":"not a trace"}
gc 41 @93.512s 2%: 0.10+210+0.031 ms clock, 0.20+1.2/105/70+0.063 ms cpu, 381->395->212 MB, 404 MB goal, 0 MB stacks, 1 MB globals, 2 P
gc 42 @200.1s 2%: 0.1+1+0.1 ms clock, 0.2+0/1/0+0.2 ms cpu, 150->150->96 MB, 150 MB goal, 0 MB stacks, 1 MB globals, 2 P (forced)
`,
			want: []gcCycle{
				{n: 1, at: 4 * time.Millisecond, start: 3, live: 1, goal: 4},
				{n: 41, at: 93512 * time.Millisecond, start: 381, live: 212, goal: 404},
				{n: 42, at: 200100 * time.Millisecond, start: 150, live: 96, goal: 150, forced: true},
			},
		},
		{name: "no trace", log: "{\"msg\":\"starting\"}\n"},
		// errors
		{
			name:    "heap sizes changed shape",
			log:     "gc 3 @1.0s 1%: 0+0+0 ms clock, 0+0/0/0+0 ms cpu, 3->4 MB, 4 MB goal, 2 P\n",
			wantErr: `parse gctrace line "gc 3 @1.0s 1%: 0+0+0 ms clock, 0+0/0/0+0 ms cpu, 3->4 MB, 4 MB goal, 2 P": want "A->B->C MB", got "3->4 MB"`,
		},
		{
			name:    "no time",
			log:     "gc 3 1.0s: 3->4->1 MB, 4 MB goal\n",
			wantErr: `parse gctrace line "gc 3 1.0s: 3->4->1 MB, 4 MB goal": want "gc N @Ts ..."`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGCTrace(strings.NewReader(tt.log))
			if gotErr := errString(err); gotErr != tt.wantErr {
				t.Fatalf("error = %q, want %q", gotErr, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(gcCycle{})); diff != "" {
				t.Errorf("cycles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnvFlag(t *testing.T) {
	var e envFlag
	for _, v := range []string{"GOMEMLIMIT=250MiB", "GOGC=50"} {
		if err := e.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(envFlag{"GOMEMLIMIT=250MiB", "GOGC=50"}, e); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if got, want := errString(e.Set("=1")), `want KEY=VALUE, got "=1"`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if got, want := errString(e.Set("GOGC")), `want KEY=VALUE, got "GOGC"`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestWindows(t *testing.T) {
	r := &daemonResult{
		applied: 100 * time.Second,
		ready:   160 * time.Second,
		samples: []memSample{
			{at: 1 * time.Second, rss: 80}, {at: 99 * time.Second, rss: 400},
			{at: 100 * time.Second, rss: 300}, {at: 159 * time.Second, rss: 250},
			{at: 160 * time.Second, rss: 200}, {at: 300 * time.Second, rss: 190},
		},
	}
	var got [][]int64
	for _, w := range r.windows() {
		got = append(got, rssIn(r.samples, w))
	}
	want := [][]int64{{80, 400}, {300, 250}, {200, 190}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("samples per window (-want +got):\n%s", diff)
	}
}

// check fails t unless err says wantErr and, without an error, got is want.
func check[T any](t *testing.T, got T, err error, want T, wantErr string) {
	t.Helper()
	if gotErr := errString(err); gotErr != wantErr {
		t.Fatalf("error = %q, want %q", gotErr, wantErr)
	}
	if diff := cmp.Diff(want, got); wantErr == "" && diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
