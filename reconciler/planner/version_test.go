package planner

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Version
		wantErr string
	}{
		{in: "1.33.4", want: Version{1, 33, 4}},
		{in: "v1.33.4", want: Version{1, 33, 4}},
		{in: "1.0.0", want: Version{1, 0, 0}},
		{in: "1.33", wantErr: `invalid version "1.33": want MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: "", wantErr: `invalid version "": want MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: "vv1.33.4", wantErr: `invalid version "vv1.33.4": want MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: "V1.33.4", wantErr: `invalid version "V1.33.4": want MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: "1.033.4", wantErr: `invalid version "1.033.4": want MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: " 1.33.4", wantErr: `invalid version " 1.33.4": want MAJOR.MINOR.PATCH, optionally with a leading v`},
		{in: "1.33.4-rc.1", wantErr: `invalid version "1.33.4-rc.1": pre-release and build suffixes are not supported`},
		{in: "1.33.4+gardener.1", wantErr: `invalid version "1.33.4+gardener.1": pre-release and build suffixes are not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseVersion(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseVersion(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				if !errors.Is(err, ErrInvalidVersion) {
					t.Fatalf("ParseVersion(%q) error does not wrap ErrInvalidVersion", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseVersion(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseVersion(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestVersionCompare(t *testing.T) {
	t.Parallel()
	ordered := []string{"1.9.10", "1.10.0", "1.10.2", "1.33.0", "1.33.10", "2.0.0"}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := MustParseVersion(a).Compare(MustParseVersion(b)); got != want {
				t.Errorf("%s.Compare(%s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestVersionJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		V Version `json:"v"`
	}
	got, err := json.Marshal(doc{V: Version{1, 33, 4}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"v":"1.33.4"}`, string(got)); diff != "" {
		t.Fatalf("json.Marshal (-want +got):\n%s", diff)
	}
	var back doc
	if err := json.Unmarshal([]byte(`{"v":"v1.34.1"}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.V != (Version{1, 34, 1}) {
		t.Fatalf("json.Unmarshal = %v", back.V)
	}
	err = json.Unmarshal([]byte(`{"v":"1.34"}`), &back)
	if !errors.Is(err, ErrInvalidVersion) {
		t.Fatalf("json.Unmarshal of a bad version: error = %v, want ErrInvalidVersion", err)
	}
}

// FuzzParseVersion checks that whatever ParseVersion accepts is canonical
// x.y.z apart from one optional leading v, and prints back the same.
func FuzzParseVersion(f *testing.F) {
	for _, seed := range []string{"1.33.4", "v1.33.4", "1.33", "01.2.3", "1.2.3-rc.1", "1.2.3+x", "v", "", "18446744073709551615.0.0", "18446744073709551616.0.0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidVersion) {
				t.Fatalf("ParseVersion(%q) error %v does not wrap ErrInvalidVersion", s, err)
			}
			return
		}
		if got := v.String(); got != strings.TrimPrefix(s, "v") {
			t.Fatalf("ParseVersion(%q).String() = %q", s, got)
		}
		again, err := ParseVersion("v" + v.String())
		if err != nil || again != v {
			t.Fatalf("ParseVersion(v%s) = %v, %v; want %v", v, again, err, v)
		}
		if text, _ := v.MarshalText(); string(text) != v.String() {
			t.Fatalf("MarshalText() = %q, want %q", text, v)
		}
	})
}
