package admission

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestNotes: without the garden objects a check needs, Gardener's plugins
// would fail with an internal error; the check is skipped and said so once.
func TestNotes(t *testing.T) {
	j, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	// No CloudProfile: ValidateShoot still runs.
	a := set(t, workerless(t), "calico", "spec", "networking", "type")
	b := set(t, withWorkers(t), "b", "metadata", "name")
	c := set(t, withWorkers(t), "c", "metadata", "name")
	res, err := j.Admit(context.Background(), []*unstructured.Unstructured{a, b, c, project(t)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Shoot cp: spec.networking.type: Forbidden: this field should not be set for workerless Shoot clusters"}, messages(res)); diff != "" {
		t.Errorf("refusals (-want +got):\n%s", diff)
	}
	want := []string{
		"no CloudProfile local: the checks that need it (versions, machine types and images, regions) are skipped",
		"no CredentialsBinding local: its provider type is not checked",
	}
	if diff := cmp.Diff(want, res.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestParseFeatureGates(t *testing.T) {
	tests := []struct {
		gates, want string
	}{
		{"", ""},
		{"InPlaceNodeUpdates=true,CloudProfileCapabilities=false", ""},
		{"NoSuchGate=true", `feature gates "NoSuchGate=true": unrecognized feature gate: NoSuchGate`},
		{"InPlaceNodeUpdates", `feature gates "InPlaceNodeUpdates": missing bool value for InPlaceNodeUpdates`},
		{"InPlaceNodeUpdates=maybe", `feature gates "InPlaceNodeUpdates=maybe": invalid value of InPlaceNodeUpdates=maybe, err: strconv.ParseBool: parsing "maybe": invalid syntax`},
	}
	for _, tt := range tests {
		t.Run(tt.gates, func(t *testing.T) {
			err := ParseFeatureGates(tt.gates)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("ParseFeatureGates(%q) = %q, want %q", tt.gates, got, tt.want)
			}
		})
	}
}

// TestAdmitUpdate: what may be created may still not be an update of what
// the garden holds.
func TestAdmitUpdate(t *testing.T) {
	j, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AddGarden(append(garden(t), project(t))...); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, obj *unstructured.Unstructured
		want     []string
	}{
		{
			name: "one minor up",
			old:  set(t, workerless(t), "1.35.4", "spec", "kubernetes", "version"),
			obj:  workerless(t),
		},
		{
			name: "downgrade",
			old:  workerless(t),
			obj:  set(t, workerless(t), "1.35.4", "spec", "kubernetes", "version"),
			want: []string{`spec.kubernetes.version: Forbidden: kubernetes version downgrade is not supported`},
		},
		{
			name: "two minors up",
			old:  set(t, workerless(t), "1.34.8", "spec", "kubernetes", "version"),
			obj:  workerless(t),
			want: []string{`spec.kubernetes.version: Forbidden: kubernetes version upgrade cannot skip a minor version`},
		},
		{
			// A live Shoot has what the server set; a rendered one none of it.
			name: "live old object",
			old: set(t, set(t, workerless(t), "3f1c2a9e-0000-4000-8000-000000000001", "metadata", "uid"),
				"2026-11-30T12:00:00Z", "metadata", "creationTimestamp"),
			obj: workerless(t),
		},
		{
			name: "region changed",
			old:  workerless(t),
			obj:  set(t, workerless(t), "other", "spec", "region"),
			want: []string{`spec.region: Invalid value: "other": field is immutable`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, _, err := j.AdmitUpdate(context.Background(), tt.obj, tt.old)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.Message)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAdmitConcurrent judges many shoots at once: run with -race, it holds
// Gardener's plugins safe for the concurrent use Admit makes of them.
func TestAdmitConcurrent(t *testing.T) {
	j, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AddGarden(garden(t)...); err != nil {
		t.Fatal(err)
	}
	objs := []*unstructured.Unstructured{project(t)}
	var want []string
	for i := range 40 {
		o := set(t, withWorkers(t), fmt.Sprintf("s%d", i), "metadata", "name")
		if i%4 == 0 {
			set(t, o, "1.36.9", "spec", "kubernetes", "version")
			want = append(want, fmt.Sprintf(`Shoot s%d: spec.kubernetes.version: Unsupported value: "1.36.9": supported values: "1.36.2", "1.35.4", "1.34.8"`, i))
		}
		objs = append(objs, o)
	}
	res, err := j.Admit(context.Background(), objs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, messages(res)); diff != "" {
		t.Errorf("refusals (-want +got):\n%s", diff)
	}
}
