package planner

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeCloudProfile(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	data, err := os.ReadFile("testdata/cloudprofile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeCloudProfile(data, now)
	if err != nil {
		t.Fatalf("DecodeCloudProfile() error = %v", err)
	}
	want := []ProfileVersion{
		{Version: MustParseVersion("1.37.0"), Classification: Unavailable}, // lifecycle not started yet
		{Version: MustParseVersion("1.36.1"), Classification: Preview},     // lifecycle, supported from July
		{Version: MustParseVersion("1.35.2"), Classification: Supported},   // lifecycle, supported since May
		{Version: MustParseVersion("1.34.3"), Classification: Supported},   // no classification
		{Version: MustParseVersion("1.33.5"), Classification: Deprecated},  // expires in the future
		{Version: MustParseVersion("1.33.4"), Classification: Expired},     // expirationDate passed
		{Version: MustParseVersion("1.32.3"), Classification: Expired},     // lifecycle reached expired
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("DecodeCloudProfile() (-want +got):\n%s", diff)
	}
}

func TestDecodeCloudProfileErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		yaml    string
		wantErr string
	}{
		{
			name:    "not YAML",
			yaml:    "kind: [",
			wantErr: "decode cloud profile: error converting YAML to JSON: yaml: line 1: did not find expected node content",
		},
		{
			name:    "wrong apiVersion",
			yaml:    "apiVersion: core.gardener.cloud/v1alpha1\nkind: CloudProfile\n",
			wantErr: `decode cloud profile: apiVersion "core.gardener.cloud/v1alpha1", want core.gardener.cloud/v1beta1`,
		},
		{
			name:    "wrong kind",
			yaml:    "apiVersion: core.gardener.cloud/v1beta1\nkind: Shoot\n",
			wantErr: `decode cloud profile: kind "Shoot", want CloudProfile or NamespacedCloudProfile`,
		},
		{
			name:    "namespaced profile not reconciled yet",
			yaml:    "apiVersion: core.gardener.cloud/v1beta1\nkind: NamespacedCloudProfile\n",
			wantErr: "decode cloud profile: NamespacedCloudProfile has no status.cloudProfileSpec yet",
		},
		{
			name: "bad version",
			yaml: `apiVersion: core.gardener.cloud/v1beta1
kind: CloudProfile
spec: {kubernetes: {versions: [{version: 1.33.4}, {version: "1.34"}]}}
`,
			wantErr: `decode cloud profile: spec.kubernetes.versions[1]: invalid version "1.34": want MAJOR.MINOR.PATCH, optionally with a leading v`,
		},
		{
			name: "unknown classification",
			yaml: `apiVersion: core.gardener.cloud/v1beta1
kind: CloudProfile
spec: {kubernetes: {versions: [{version: 1.33.4, classification: beta}]}}
`,
			wantErr: `decode cloud profile: version 1.33.4: unknown classification "beta"`,
		},
		{
			name: "lifecycle with classification",
			yaml: `apiVersion: core.gardener.cloud/v1beta1
kind: CloudProfile
spec: {kubernetes: {versions: [{version: 1.33.4, classification: supported, lifecycle: [{classification: preview}]}]}}
`,
			wantErr: "decode cloud profile: version 1.33.4: lifecycle cannot be combined with classification or expirationDate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeCloudProfile([]byte(tt.yaml), now)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("DecodeCloudProfile() error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeNamespacedCloudProfile(t *testing.T) {
	t.Parallel()
	data := []byte(`apiVersion: core.gardener.cloud/v1beta1
kind: NamespacedCloudProfile
spec:
  parent: {kind: CloudProfile, name: metal}
  kubernetes:
    versions:
    - version: 1.33.4
      expirationDate: "2027-01-01T00:00:00Z"
status:
  cloudProfileSpec:
    kubernetes:
      versions:
      - {version: 1.33.4, classification: deprecated}
      - {version: 1.34.3}
`)
	got, err := DecodeCloudProfile(data, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("DecodeCloudProfile() error = %v", err)
	}
	want := []ProfileVersion{
		{Version: MustParseVersion("1.33.4"), Classification: Deprecated},
		{Version: MustParseVersion("1.34.3"), Classification: Supported},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("DecodeCloudProfile() (-want +got):\n%s", diff)
	}
}
