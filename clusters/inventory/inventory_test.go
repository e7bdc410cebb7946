package inventory

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func shoot(ns, name string) Ref {
	return Ref{Group: ShootGroup, Version: "v1beta1", Kind: ShootKind, Namespace: ns, Name: name}
}

func namespace(name string) Ref { return Ref{Version: "v1", Kind: "Namespace", Name: name} }

func project(name string) Ref {
	return Ref{Group: ShootGroup, Version: "v1beta1", Kind: "Project", Name: name}
}

func obj(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind}}
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func TestNew(t *testing.T) {
	t.Parallel()
	got := New([]*unstructured.Unstructured{
		obj("core.gardener.cloud/v1beta1", "Shoot", "garden-b", "s2"),
		obj("v1", "Namespace", "", "garden-b"),
		obj("core.gardener.cloud/v1beta1", "Shoot", "garden-a", "s1"),
		obj("core.gardener.cloud/v1beta1", "Project", "", "b"),
		// The same object twice: kept once.
		obj("core.gardener.cloud/v1beta1", "Shoot", "garden-a", "s1"),
	})
	want := Inventory{Entries: []Ref{
		namespace("garden-b"),
		project("b"),
		shoot("garden-a", "s1"),
		shoot("garden-b", "s2"),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("New() (-want +got):\n%s", diff)
	}
}

func TestRefString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ref  Ref
		want string
	}{
		{shoot("garden-a", "s1"), "Shoot/garden-a/s1"},
		{namespace("garden-a"), "Namespace/garden-a"},
	} {
		if got := tt.ref.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestDiffAndMerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		old       Inventory
		desired   Inventory
		wantStale Inventory
	}{
		{name: "nothing stale", old: FromRefs(shoot("a", "1")), desired: FromRefs(shoot("a", "1"), shoot("a", "2"))},
		{
			name: "removed objects are stale",
			old:  FromRefs(shoot("a", "1"), shoot("a", "2"), namespace("a")), desired: FromRefs(shoot("a", "1")),
			wantStale: Inventory{Entries: []Ref{namespace("a"), shoot("a", "2")}},
		},
		{
			name:    "an api version change is the same object",
			old:     FromRefs(Ref{Group: "g", Version: "v1beta1", Kind: "K", Namespace: "n", Name: "x"}),
			desired: FromRefs(Ref{Group: "g", Version: "v1", Kind: "K", Namespace: "n", Name: "x"}),
		},
		{
			name: "same name in another namespace is another object",
			old:  FromRefs(shoot("a", "1")), desired: FromRefs(shoot("b", "1")),
			wantStale: FromRefs(shoot("a", "1")),
		},
		{name: "empty old", desired: FromRefs(shoot("a", "1"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Diff(tt.old, tt.desired)
			if diff := cmp.Diff(tt.wantStale, got); diff != "" {
				t.Errorf("Diff() (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("merge keeps survivors of a failed prune", func(t *testing.T) {
		desired := FromRefs(shoot("a", "1"), Ref{Group: "g", Version: "v1", Kind: "K", Name: "x"})
		survivors := FromRefs(shoot("a", "2"))
		older := FromRefs(Ref{Group: "g", Version: "v1beta1", Kind: "K", Name: "x"})
		got := Merge(older, desired, survivors)
		want := Inventory{Entries: []Ref{
			shoot("a", "1"),
			shoot("a", "2"),
			{Group: "g", Version: "v1", Kind: "K", Name: "x"}, // the later version wins
		}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Merge() (-want +got):\n%s", diff)
		}
	})
}

func shoots(ns string, n int) []Ref {
	var refs []Ref
	for i := range n {
		refs = append(refs, shoot(ns, string(rune('a'+i))))
	}
	return refs
}

func TestGuardDeletion(t *testing.T) {
	t.Parallel()
	ten := shoots("garden-x", 10)
	allowed := GuardOptions{AllowShootDeletion: true, MaxShootPercent: 10}

	tests := []struct {
		name    string
		old     Inventory
		desired Inventory
		opts    GuardOptions
		wantErr string
	}{
		// allowed
		{name: "nothing removed", old: FromRefs(ten...), desired: FromRefs(ten...), opts: DefaultGuardOptions()},
		{
			name: "non-shoot objects are not guarded",
			old:  FromRefs(slices.Concat(ten, []Ref{project("x")})...), desired: FromRefs(ten...), opts: DefaultGuardOptions(),
		},
		{name: "one of ten at 10%", old: FromRefs(ten...), desired: FromRefs(ten[1:]...), opts: allowed},
		{
			name: "one of three: at least one is always allowed",
			old:  FromRefs(ten[:3]...), desired: FromRefs(ten[:2]...), opts: allowed,
		},
		{
			name: "zero percent still allows one",
			old:  FromRefs(ten...), desired: FromRefs(ten[1:]...), opts: GuardOptions{AllowShootDeletion: true},
		},
		{
			name: "half at 50%",
			old:  FromRefs(ten...), desired: FromRefs(ten[5:]...), opts: GuardOptions{AllowShootDeletion: true, MaxShootPercent: 50},
		},

		// refused
		{
			name: "any shoot unless allowed",
			old:  FromRefs(ten...), desired: FromRefs(ten[1:]...), opts: DefaultGuardOptions(),
			wantErr: "refusing to prune 1 of 10 shoots (Shoot/garden-x/a): the fleet does not allow shoot deletion",
		},
		{
			name: "two of ten at 10%",
			old:  FromRefs(ten...), desired: FromRefs(ten[2:]...), opts: allowed,
			wantErr: "refusing to prune 2 of 10 shoots (Shoot/garden-x/a, Shoot/garden-x/b): more than 10% of the fleet's shoots (at most 1) in one revision",
		},
		{
			name: "an emptied commit",
			old:  FromRefs(slices.Concat(ten, []Ref{namespace("garden-x")})...), desired: Inventory{}, opts: allowed,
			wantErr: "refusing to prune 10 of 10 shoots (Shoot/garden-x/a, Shoot/garden-x/b, Shoot/garden-x/c, Shoot/garden-x/d, Shoot/garden-x/e and 5 more): more than 10% of the fleet's shoots (at most 1) in one revision",
		},
		{
			name:    "shoots kept but their namespace pruned",
			old:     FromRefs(slices.Concat(ten[:3], []Ref{namespace("garden-x")})...),
			desired: FromRefs(ten[:3]...), opts: GuardOptions{AllowShootDeletion: true, MaxShootPercent: 50},
			wantErr: "refusing to prune 3 of 3 shoots (Shoot/garden-x/a, Shoot/garden-x/b, Shoot/garden-x/c): more than 50% of the fleet's shoots (at most 1) in one revision",
		},
		{
			name: "zero percent allows no second",
			old:  FromRefs(ten...), desired: FromRefs(ten[2:]...), opts: GuardOptions{AllowShootDeletion: true},
			wantErr: "refusing to prune 2 of 10 shoots (Shoot/garden-x/a, Shoot/garden-x/b): more than 0% of the fleet's shoots (at most 1) in one revision",
		},
		{
			name: "percent shown as given",
			old:  FromRefs(ten...), desired: FromRefs(ten[4:]...), opts: GuardOptions{AllowShootDeletion: true, MaxShootPercent: 25},
			wantErr: "refusing to prune 4 of 10 shoots (Shoot/garden-x/a, Shoot/garden-x/b, Shoot/garden-x/c, Shoot/garden-x/d): more than 25% of the fleet's shoots (at most 2) in one revision",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := GuardDeletion(tt.old, tt.desired, tt.opts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("GuardDeletion() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("GuardDeletion() error\n got %v\nwant %s", err, tt.wantErr)
			}
			if !errors.Is(err, ErrDeletionRefused) {
				t.Errorf("GuardDeletion() error is not ErrDeletionRefused")
			}
		})
	}
}
