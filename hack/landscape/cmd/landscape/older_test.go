package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOlderFleet(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "before")
	files := map[string]string{
		"fleet.cue":                    `defaults: kubernetes: version: "1.36.2"` + "\n" + `note: "1.36.20"` + "\n",
		"shoots.cue":                   `green: kubernetes: version: "1.35.4"` + "\n",
		"cloudprofiles/profiles.yaml":  "- version: \"1.36.2\"\n",
		"kustomize/kustomization.yaml": "resources: []\n",
	}
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := olderFleet(src, dst, "1.36.2=1.34.8, 1.35.4=1.34.8"); err != nil {
		t.Fatal(err)
	}
	// Only whole quoted versions in .cue files change.
	want := map[string]string{
		"fleet.cue":                    `defaults: kubernetes: version: "1.34.8"` + "\n" + `note: "1.36.20"` + "\n",
		"shoots.cue":                   `green: kubernetes: version: "1.34.8"` + "\n",
		"cloudprofiles/profiles.yaml":  "- version: \"1.36.2\"\n",
		"kustomize/kustomization.yaml": "resources: []\n",
	}
	for name, w := range want {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	if err := olderFleet(src, dst, "1.36.2"); err == nil || err.Error() != `-upgrade-from "1.36.2": want OLD=NEW, comma-separated` {
		t.Errorf("error = %v, want the flag's form", err)
	}
}
