package planner

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewCatalog(t *testing.T) {
	t.Parallel()
	_, err := NewCatalog([]ProfileVersion{
		{Version: MustParseVersion("1.33.4")},
		{Version: MustParseVersion("1.34.3")},
		{Version: MustParseVersion("1.33.4"), Classification: Deprecated},
	})
	if want := "version 1.33.4 is listed twice"; err == nil || err.Error() != want {
		t.Fatalf("NewCatalog() error = %v, want %q", err, want)
	}
	_, err = NewCatalog([]ProfileVersion{{Version: MustParseVersion("1.33.4"), Classification: "beta"}})
	if want := `version 1.33.4: unknown classification "beta"`; err == nil || err.Error() != want {
		t.Fatalf("NewCatalog() error = %v, want %q", err, want)
	}

	c := profile(t, "1.34.3", "1.33.4:deprecated", "1.33.1")
	got := c.Versions()
	wantVersions := []ProfileVersion{
		{Version: MustParseVersion("1.33.1")},
		{Version: MustParseVersion("1.33.4"), Classification: Deprecated},
		{Version: MustParseVersion("1.34.3")},
	}
	if diff := cmp.Diff(wantVersions, got); diff != "" {
		t.Fatalf("Versions() (-want +got):\n%s", diff)
	}
	if class, ok := c.Classification(MustParseVersion("1.33.1")); !ok || class != Supported {
		t.Fatalf("Classification(1.33.1) = %q, %v; want supported (empty means supported)", class, ok)
	}
	if _, ok := c.Classification(MustParseVersion("1.33.2")); ok {
		t.Fatalf("Classification(1.33.2) found a version that is not listed")
	}
	var none *Catalog
	if _, ok := none.Classification(MustParseVersion("1.33.1")); ok {
		t.Fatalf("a nil Catalog lists a version")
	}
}

func TestCatalogResolve(t *testing.T) {
	t.Parallel()
	c := profile(t,
		"1.33.1", "1.33.4:deprecated", "1.33.5:expired",
		"1.34.3", "1.34.4:preview", "1.34.5:unavailable",
		"1.35.1:preview",
		"1.36.0:expired",
	)
	tests := []struct {
		in           string
		allowPreview bool
		want         string
		wantErr      string
	}{
		{in: "1.33", want: "1.33.4"},
		{in: "v1.33", want: "1.33.4"},
		{in: "1.34", want: "1.34.3"},
		{in: "1.34", allowPreview: true, want: "1.34.4"},
		{in: "1.35", wantErr: "no usable version of 1.35"},
		{in: "1.35", allowPreview: true, want: "1.35.1"},
		{in: "1.36", wantErr: "no usable version of 1.36"},
		{in: "1.37", wantErr: "no usable version of 1.37"},
		// A full version is taken as given; the plan checks it.
		{in: "1.36.0", want: "1.36.0"},
		{in: "v1.40.2", want: "1.40.2"},
		{in: "1.x", wantErr: `invalid version "1.x": want MAJOR.MINOR or MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: "1", wantErr: `invalid version "1": want MAJOR.MINOR or MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: "1.2.3.4", wantErr: `invalid version "1.2.3.4": want MAJOR.MINOR or MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: "1.36.0-rc.1", wantErr: `invalid version "1.36.0-rc.1": pre-release and build suffixes are not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := c.Resolve(tt.in, tt.allowPreview)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Resolve(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q) error = %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Fatalf("Resolve(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
