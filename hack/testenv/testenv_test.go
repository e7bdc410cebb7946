package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestBinaryAssets(t *testing.T) {
	empty := t.TempDir()
	full := t.TempDir()
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if err := os.WriteFile(filepath.Join(full, b), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, dir, env string
		want           string
		wantErr        error
	}{
		{name: "explicit directory", dir: full, env: empty, want: full},
		{name: "KUBEBUILDER_ASSETS", env: full, want: full},
		{name: "missing binaries", dir: empty, wantErr: ErrNoBinaries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBEBUILDER_ASSETS", tt.env)
			got, err := binaryAssets(tt.dir)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("dir = %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("default is the repository's bin/k8s", func(t *testing.T) {
		t.Setenv("KUBEBUILDER_ASSETS", "")
		got, err := binaryAssets("")
		want := filepath.Join(root, "bin", "k8s")
		if err != nil && !errors.Is(err, ErrNoBinaries) {
			t.Fatal(err)
		}
		if err == nil && got != want {
			t.Errorf("dir = %s, want %s", got, want)
		}
		if err != nil && err.Error() != ErrNoBinaries.Error()+" (looked in "+want+")" {
			t.Errorf("error = %v, want it to name %s", err, want)
		}
	})
}
