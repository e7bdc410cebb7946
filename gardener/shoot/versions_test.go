package shoot_test

import (
	"strings"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/gardenfleet/gardenfleet/gardener/shoot"
)

// versioned is a Shoot at control plane version cp with pools "name=version",
// "name=" for a pool that inherits.
func versioned(t *testing.T, cp string, pools ...string) *unstructured.Unstructured {
	t.Helper()
	s := &shoot.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-x"}}
	s.Spec.Kubernetes.Version = cp
	for _, p := range pools {
		name, version, _ := strings.Cut(p, "=")
		w := gardencorev1beta1.Worker{Name: name}
		if version != "" {
			w.Kubernetes = &gardencorev1beta1.WorkerKubernetes{Version: &version}
		}
		s.Spec.Provider.Workers = append(s.Spec.Provider.Workers, w)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(s)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion("core.gardener.cloud/v1beta1")
	u.SetKind("Shoot")
	return u
}

// versionsOf lists a Shoot's versions as versioned takes them, "name=-" for
// a pool that inherits.
func versionsOf(t *testing.T, u *unstructured.Unstructured) []string {
	t.Helper()
	s, err := shoot.Read(u)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{s.Spec.Kubernetes.Version}
	for _, w := range s.Spec.Provider.Workers {
		v := "-"
		if w.Kubernetes != nil && w.Kubernetes.Version != nil {
			v = *w.Kubernetes.Version
		}
		out = append(out, w.Name+"="+v)
	}
	return out
}

func TestWithVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		desired      *unstructured.Unstructured
		liveExplicit map[string]bool
		cp           string
		pools        map[string]string
		want         []string
	}{
		{
			name:         "a control plane step writes the pools down where they stay",
			desired:      versioned(t, "1.37.1", "a=", "b="),
			liveExplicit: map[string]bool{"a": false, "b": true},
			cp:           "1.35.6", pools: map[string]string{"a": "1.34.8", "b": "1.33.10"},
			want: []string{"1.35.6", "a=1.34.8", "b=1.33.10"},
		},
		{
			name:         "a pool that inherits and keeps up stays inherited",
			desired:      versioned(t, "1.35.6", "a="),
			liveExplicit: map[string]bool{"a": false},
			cp:           "1.34.8", pools: map[string]string{"a": "1.34.8"},
			want: []string{"1.34.8", "a=-"},
		},
		{
			name:         "a pool written down stays written down at the end",
			desired:      versioned(t, "1.37.1", "a="),
			liveExplicit: map[string]bool{"a": true},
			cp:           "1.37.1", pools: map[string]string{"a": "1.37.1"},
			want: []string{"1.37.1", "a=1.37.1"},
		},
		{
			name:         "a new pool is capped at the control plane",
			desired:      versioned(t, "1.37.1", "a=", "new=1.37.1", "old=1.34.8"),
			liveExplicit: map[string]bool{"a": false},
			cp:           "1.36.4", pools: map[string]string{"a": "1.35.6"},
			want: []string{"1.36.4", "a=1.35.6", "new=1.36.4", "old=1.34.8"},
		},
		{
			name:    "no pools",
			desired: versioned(t, "1.37.1"),
			cp:      "1.36.4",
			want:    []string{"1.36.4"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := tt.desired.DeepCopy()
			got, err := shoot.WithVersions(tt.desired, tt.liveExplicit, tt.cp, tt.pools)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, versionsOf(t, got)); diff != "" {
				t.Errorf("versions (-want +got):\n%s", diff)
			}
			if got == tt.desired {
				t.Errorf("returned desired itself, want a copy")
			}
			if diff := cmp.Diff(before.Object, tt.desired.Object); diff != "" {
				t.Errorf("desired modified (-before +after):\n%s", diff)
			}
		})
	}
}

func TestWithLiveVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		desired *unstructured.Unstructured
		cp      string
		live    map[string]string
		want    []string
		// same: desired itself comes back, not a copy.
		same bool
	}{
		// versions change: a copy
		{
			name:    "holding keeps every live version and inheritance",
			desired: versioned(t, "1.37.1", "a=", "b=1.37.1"),
			cp:      "1.35.6", live: map[string]string{"a": "", "b": "1.34.8"},
			want: []string{"1.35.6", "a=-", "b=1.34.8"},
		},
		{
			name:    "versions that do not parse are copied",
			desired: versioned(t, "1.35.6", "a="),
			cp:      "latest", live: map[string]string{"a": "edge"},
			want: []string{"latest", "a=edge"},
		},
		{
			name:    "a new pool is capped at the live control plane",
			desired: versioned(t, "1.37.1", "a=", "new=1.37.1"),
			cp:      "1.35.6", live: map[string]string{"a": ""},
			want: []string{"1.35.6", "a=-", "new=1.35.6"},
		},
		{
			name:    "only one pool differs",
			desired: versioned(t, "1.35.6", "a=1.35.6", "b=1.35.6"),
			cp:      "1.35.6", live: map[string]string{"a": "1.35.6", "b": "1.34.8"},
			want: []string{"1.35.6", "a=1.35.6", "b=1.34.8"},
		},
		{
			name:    "a control plane Git leaves out gets the live one",
			desired: versioned(t, "", "a="),
			cp:      "1.35.6", live: map[string]string{"a": ""},
			want: []string{"1.35.6", "a=-"},
		},

		// versions as live already: desired itself
		{
			name:    "at its target",
			desired: versioned(t, "1.35.6", "a=", "b=1.34.8"),
			cp:      "1.35.6", live: map[string]string{"a": "", "b": "1.34.8"},
			want: []string{"1.35.6", "a=-", "b=1.34.8"},
			same: true,
		},
		{
			name:    "a pool Git pins while it inherits live has the live version written down",
			desired: versioned(t, "1.35.6", "a=1.35.6"),
			cp:      "1.35.6", live: map[string]string{"a": ""},
			want: []string{"1.35.6", "a=1.35.6"},
			same: true,
		},
		{
			name:    "a new pool below the control plane",
			desired: versioned(t, "1.35.6", "a=", "new=1.34.8"),
			cp:      "1.35.6", live: map[string]string{"a": ""},
			want: []string{"1.35.6", "a=-", "new=1.34.8"},
			same: true,
		},
		{
			name:    "no pools",
			desired: versioned(t, "1.35.6"),
			cp:      "1.35.6",
			want:    []string{"1.35.6"},
			same:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := tt.desired.DeepCopy()
			got, err := shoot.WithLiveVersions(tt.desired, tt.cp, tt.live)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, versionsOf(t, got)); diff != "" {
				t.Errorf("versions (-want +got):\n%s", diff)
			}
			if same := got == tt.desired; same != tt.same {
				t.Errorf("returned desired itself = %v, want %v", same, tt.same)
			}
			if diff := cmp.Diff(before.Object, tt.desired.Object); diff != "" {
				t.Errorf("desired modified (-before +after):\n%s", diff)
			}
		})
	}
}

// TestVersionsWorkersNotAList: a workers field of the wrong type is an error
// for both.
func TestVersionsWorkersNotAList(t *testing.T) {
	t.Parallel()
	desired := versioned(t, "1.35.6")
	if err := unstructured.SetNestedField(desired.Object, "pools", "spec", "provider", "workers"); err != nil {
		t.Fatal(err)
	}
	want := "spec.provider.workers: string is not a list"
	if _, err := shoot.WithLiveVersions(desired, "1.35.6", nil); err == nil || err.Error() != want {
		t.Errorf("WithLiveVersions() error = %v, want %q", err, want)
	}
	if _, err := shoot.WithVersions(desired, nil, "1.35.6", nil); err == nil || err.Error() != want {
		t.Errorf("WithVersions() error = %v, want %q", err, want)
	}
}
