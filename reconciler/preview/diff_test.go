package preview

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b any
		want []FieldChange
	}{
		// Maps.
		{
			name: "equal",
			a:    map[string]any{"spec": map[string]any{"x": "a"}},
			b:    map[string]any{"spec": map[string]any{"x": "a"}},
			want: nil,
		},
		{
			name: "nested maps: changed, added and removed leaves in path order",
			a: map[string]any{"spec": map[string]any{
				"kubernetes": map[string]any{"version": "1.35.4", "kubeAPIServer": map[string]any{"a": true}},
				"purpose":    "evaluation",
			}},
			b: map[string]any{"spec": map[string]any{
				"kubernetes": map[string]any{"version": "1.36.2", "etcd": map[string]any{"main": map[string]any{"storage": "10Gi"}}},
				"region":     "local",
			}},
			want: []FieldChange{
				{Path: "spec.kubernetes.etcd.main.storage", Op: Added, To: "10Gi"},
				{Path: "spec.kubernetes.kubeAPIServer.a", Op: Removed, From: true},
				{Path: "spec.kubernetes.version", Op: Changed, From: "1.35.4", To: "1.36.2"},
				{Path: "spec.purpose", Op: Removed, From: "evaluation"},
				{Path: "spec.region", Op: Added, To: "local"},
			},
		},
		{
			name: "keys that are not identifiers go in brackets",
			a:    map[string]any{"metadata": map[string]any{"annotations": map[string]any{"cluster.metal-stack.io/tenant": "a"}}},
			b:    map[string]any{"metadata": map[string]any{"annotations": map[string]any{"cluster.metal-stack.io/tenant": "b"}}},
			want: []FieldChange{
				{Path: `metadata.annotations["cluster.metal-stack.io/tenant"]`, Op: Changed, From: "a", To: "b"},
			},
		},
		{
			name: "an empty map added is one leaf",
			a:    map[string]any{"spec": map[string]any{}},
			b:    map[string]any{"spec": map[string]any{"addons": map[string]any{}}},
			want: []FieldChange{{Path: "spec.addons", Op: Added, To: map[string]any{}}},
		},
		{
			name: "a value changing type is changed as a whole",
			a:    map[string]any{"x": map[string]any{"a": "b"}},
			b:    map[string]any{"x": "c"},
			want: []FieldChange{{Path: "x", Op: Changed, From: map[string]any{"a": "b"}, To: "c"}},
		},
		{
			name: "numbers compare by value whatever their Go type",
			a:    map[string]any{"n": int64(3), "f": 1.5},
			b:    map[string]any{"n": float64(3), "f": 1.5},
			want: nil,
		},

		// Lists.
		{
			name: "workers keyed by name: changed, added and removed items, order ignored",
			a: map[string]any{"workers": []any{
				map[string]any{"name": "a", "maximum": int64(3)},
				map[string]any{"name": "b", "maximum": int64(2)},
				map[string]any{"name": "old", "machine": map[string]any{"type": "m1"}},
			}},
			b: map[string]any{"workers": []any{
				map[string]any{"name": "new", "machine": map[string]any{"type": "m2"}, "minimum": int64(1)},
				map[string]any{"name": "b", "maximum": int64(2)},
				map[string]any{"name": "a", "maximum": int64(5)},
			}},
			want: []FieldChange{
				{Path: "workers[name=new].machine.type", Op: Added, To: "m2"},
				{Path: "workers[name=new].minimum", Op: Added, To: int64(1)},
				{Path: "workers[name=new].name", Op: Added, To: "new"},
				{Path: "workers[name=a].maximum", Op: Changed, From: int64(3), To: int64(5)},
				{Path: "workers[name=old].machine.type", Op: Removed, From: "m1"},
				{Path: "workers[name=old].name", Op: Removed, From: "old"},
			},
		},
		{
			name: "extensions keyed by type",
			a:    map[string]any{"extensions": []any{map[string]any{"type": "dns", "disabled": false}}},
			b:    map[string]any{"extensions": []any{map[string]any{"type": "dns", "disabled": true}}},
			want: []FieldChange{{Path: "extensions[type=dns].disabled", Op: Changed, From: false, To: true}},
		},
		{
			name: "objects without a distinct key compare by index",
			a: map[string]any{"schedules": []any{
				map[string]any{"start": "0 19 * * *", "end": "0 7 * * *"},
			}},
			b: map[string]any{"schedules": []any{
				map[string]any{"start": "0 20 * * *", "end": "0 7 * * *"},
				map[string]any{"start": "0 0 * * 6"},
			}},
			want: []FieldChange{
				{Path: "schedules[0].start", Op: Changed, From: "0 19 * * *", To: "0 20 * * *"},
				{Path: "schedules[1].start", Op: Added, To: "0 0 * * 6"},
			},
		},
		{
			name: "duplicate names are no key",
			a:    map[string]any{"l": []any{map[string]any{"name": "a", "v": "1"}, map[string]any{"name": "a", "v": "2"}}},
			b:    map[string]any{"l": []any{map[string]any{"name": "a", "v": "1"}, map[string]any{"name": "a", "v": "3"}}},
			want: []FieldChange{{Path: "l[1].v", Op: Changed, From: "2", To: "3"}},
		},
		{
			name: "lists of plain values compare as a whole",
			a:    map[string]any{"networks": []any{"internet"}},
			b:    map[string]any{"networks": []any{"internet", "storage"}},
			want: []FieldChange{{Path: "networks", Op: Changed, From: []any{"internet"}, To: []any{"internet", "storage"}}},
		},
		{
			name: "a keyed list added breaks down to its items",
			a:    map[string]any{},
			b:    map[string]any{"workers": []any{map[string]any{"name": "a"}}},
			want: []FieldChange{{Path: "workers[name=a].name", Op: Added, To: "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &differ{}
			d.diff(tt.a, tt.b)
			if diff := cmp.Diff(tt.want, d.out); diff != "" {
				t.Errorf("diff (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDiffOwned checks that against a live object only the fields the
// fleet's field manager owns count as removed.
func TestDiffOwned(t *testing.T) {
	t.Parallel()
	managed := []any{
		map[string]any{
			"manager":   "gardenfleet",
			"operation": "Apply",
			"fieldsV1": map[string]any{
				"f:metadata": map[string]any{"f:labels": map[string]any{".": map[string]any{}, "f:team": map[string]any{}}},
				"f:spec": map[string]any{
					"f:purpose": map[string]any{},
					"f:provider": map[string]any{"f:workers": map[string]any{
						`k:{"name":"old"}`: map[string]any{".": map[string]any{}, "f:name": map[string]any{}, "f:maximum": map[string]any{}},
						`k:{"name":"a"}`:   map[string]any{".": map[string]any{}, "f:name": map[string]any{}, "f:zones": map[string]any{}},
					}},
				},
			},
		},
		map[string]any{
			"manager":  "gardener",
			"fieldsV1": map[string]any{"f:spec": map[string]any{"f:region": map[string]any{}}},
		},
	}
	live := map[string]any{
		"metadata": map[string]any{
			"managedFields": managed,
			"labels":        map[string]any{"team": "a", "other": "x"},
		},
		"spec": map[string]any{
			"purpose": "production",
			"region":  "local",
			"provider": map[string]any{"workers": []any{
				// maxSurge is a default: nobody applied it.
				map[string]any{"name": "a", "zones": []any{"z1"}, "maxSurge": int64(1)},
				map[string]any{"name": "old", "maximum": int64(2), "minimum": int64(1)},
			}},
		},
	}
	desired := map[string]any{
		"metadata": map[string]any{"labels": map[string]any{}},
		"spec": map[string]any{"provider": map[string]any{"workers": []any{
			map[string]any{"name": "a"},
		}}},
	}
	d := &differ{owned: ownedBy(live, "gardenfleet")}
	d.diff(live, desired)
	want := []FieldChange{
		{Path: "metadata.labels.team", Op: Removed, From: "a"},
		// The whole list of zones is atomic and owned.
		{Path: "spec.provider.workers[name=a].zones", Op: Removed, From: []any{"z1"}},
		{Path: "spec.provider.workers[name=old].maximum", Op: Removed, From: int64(2)},
		{Path: "spec.provider.workers[name=old].name", Op: Removed, From: "old"},
		{Path: "spec.purpose", Op: Removed, From: "production"},
	}
	// managedFields themselves are nobody's fields: not reported.
	got := d.out
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
}

func TestLineDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want []diffLine
	}{
		{
			name: "a changed line keeps two lines of context each side",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			b:    "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: []diffLine{
				{op: ' ', text: "...", gap: true},
				{op: ' ', text: "3"}, {op: ' ', text: "4"},
				{op: '-', text: "5"}, {op: '+', text: "five"},
				{op: ' ', text: "6"}, {op: ' ', text: "7"},
				{op: ' ', text: "...", gap: true},
			},
		},
		{
			name: "added and removed lines",
			a:    "a\nb\n",
			b:    "b\nc\n",
			want: []diffLine{{op: '-', text: "a"}, {op: ' ', text: "b"}, {op: '+', text: "c"}},
		},
		{
			name: "from nothing",
			a:    "",
			b:    "a\nb",
			want: []diffLine{{op: '+', text: "a"}, {op: '+', text: "b"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := lineDiff(tt.a, tt.b)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(diffLine{})); diff != "" {
				t.Errorf("lineDiff (-want +got):\n%s", diff)
			}
		})
	}
}
