package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
	res := &results{
		opts:    options{passes: 2},
		applied: 100 * time.Second,
		ready:   160 * time.Second,
		samples: []memSample{
			{at: 1 * time.Second, rss: 80}, {at: 99 * time.Second, rss: 400},
			{at: 100 * time.Second, rss: 300}, {at: 159 * time.Second, rss: 250},
			{at: 160 * time.Second, rss: 200}, {at: 300 * time.Second, rss: 190},
		},
	}
	var got [][]int64
	for _, w := range res.windows() {
		got = append(got, rssIn(res.samples, w))
	}
	want := [][]int64{{80, 400}, {300, 250}, {200, 190}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("samples per window (-want +got):\n%s", diff)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
