package reconciler

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
)

func TestAuthFromSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data map[string][]byte
		want *source.Auth
	}{
		{name: "nothing", data: map[string][]byte{"ca.crt": []byte("pem")}, want: nil},
		{name: "basic", data: map[string][]byte{"username": []byte("git"), "password": []byte("token")},
			want: &source.Auth{Username: "git", Password: "token"}},
		{name: "bearer", data: map[string][]byte{"bearerToken": []byte("t")}, want: &source.Auth{BearerToken: "t"}},
		{name: "ssh wins over https", data: map[string][]byte{"identity": []byte("key"), "known_hosts": []byte("kh"),
			"password": []byte("passphrase"), "username": []byte("deploy")},
			want: &source.Auth{SSHUser: "deploy", SSHPrivateKey: []byte("key"), SSHPassphrase: "passphrase", KnownHosts: []byte("kh")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, authFromSecret(tt.data)); diff != "" {
				t.Errorf("authFromSecret (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSourceKey(t *testing.T) {
	t.Parallel()
	base := source.Options{URL: "https://x/y.git", Branch: "main", CacheDir: "/c", Timeout: time.Minute}
	same := base
	if sourceKey(base) != sourceKey(same) {
		t.Fatal("equal options, different keys")
	}
	changed := []func(*source.Options){
		func(o *source.Options) { o.Branch = "dev" },
		func(o *source.Options) { o.Auth = &source.Auth{Password: "new"} },
		func(o *source.Options) { o.VerifyKeys = []string{"key"} },
		// Parts must not run into each other.
		func(o *source.Options) { o.URL, o.Branch = "https://x/y.gitm", "ain" },
	}
	for i, change := range changed {
		o := base
		change(&o)
		if sourceKey(o) == sourceKey(base) {
			t.Errorf("change %d kept the key", i)
		}
	}
}

func TestSelectObjects(t *testing.T) {
	t.Parallel()
	obj := func(kind, name string, labels map[string]string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("core.gardener.cloud/v1beta1")
		if kind == "Namespace" {
			u.SetAPIVersion("v1")
		}
		u.SetKind(kind)
		u.SetName(name)
		u.SetLabels(labels)
		return u
	}
	objs := []*unstructured.Unstructured{
		obj("Namespace", "labs", nil),
		obj("Project", "p", nil),
		obj("Shoot", "blue", map[string]string{"team": "blue"}),
		obj("Shoot", "red", map[string]string{"team": "red"}),
	}
	names := func(objs []clusters.Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.Ref().Kind+"/"+o.Ref().Name)
		}
		return out
	}
	tests := []struct {
		name     string
		selector *metav1.LabelSelector
		want     []string
		wantErr  string
	}{
		{name: "no selector: everything", want: []string{"Namespace/labs", "Project/p", "Shoot/blue", "Shoot/red"}},
		{name: "a selector: only the shoots it selects", selector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "blue"}},
			want: []string{"Shoot/blue"}},
		{name: "an empty selector: every shoot", selector: &metav1.LabelSelector{}, want: []string{"Shoot/blue", "Shoot/red"}},
		{name: "invalid", selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: "Near"}}},
			wantErr: `spec.shootSelector: "Near" is not a valid label selector operator`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			encoded, err := clusters.Encode(objs...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := selectObjects(encoded, tt.selector)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("selected (-want +got):\n%s", diff)
			}
		})
	}
}
