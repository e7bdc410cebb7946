package render_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

func TestOverlay(t *testing.T) {
	project := fleet.Project{Name: "a", Namespace: "garden-a"}
	tests := []struct {
		name       string
		files      map[string]string
		wantLabels map[string]string
		wantErr    string
	}{
		{
			name:       "labels on every object",
			files:      map[string]string{"kustomization.yaml": "labels:\n- pairs: {team: x}\n"},
			wantLabels: map[string]string{"team": "x"},
		},
		{
			name: "strategic merge patch from a local file",
			files: map[string]string{
				"kustomization.yaml": "patches:\n- path: patch.yaml\n",
				"patch.yaml":         "apiVersion: core.gardener.cloud/v1beta1\nkind: Project\nmetadata:\n  name: a\n  labels: {patched: \"yes\"}\n",
			},
			wantLabels: map[string]string{"patched": "yes"},
		},
		{
			name:    "remote base refused",
			files:   map[string]string{"kustomization.yaml": "resources:\n- https://github.com/example/repo//base?ref=main\n"},
			wantErr: `kustomize/kustomization.yaml: resources: remote base "https://github.com/example/repo//base?ref=main" refused: an overlay may only use files of the fleet repo`,
		},
		{
			name:    "go-getter style remote component refused",
			files:   map[string]string{"kustomization.yaml": "components:\n- github.com/example/repo/component\n"},
			wantErr: `kustomize/kustomization.yaml: components: remote base "github.com/example/repo/component" refused: an overlay may only use files of the fleet repo`,
		},
		{
			name:    "no kustomization",
			files:   map[string]string{"patch.yaml": "x: 1\n"},
			wantErr: `kustomize: no kustomization.yaml in the overlay directory`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &fleet.Overlay{Files: map[string][]byte{}}
			for k, v := range tt.files {
				o.Files[k] = []byte(v)
			}
			res, err := render.Fleet(&fleet.Fleet{Projects: []fleet.Project{project}, Overlay: o})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Objects) != 1 {
				t.Fatalf("got %d objects, want 1", len(res.Objects))
			}
			if diff := cmp.Diff(tt.wantLabels, res.Objects[0].GetLabels()); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
		})
	}
}
