package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestVersionLine(t *testing.T) {
	t.Parallel()
	platform := " " + runtime.GOOS + "/" + runtime.GOARCH
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	const rev = "0187782a1b2c3d4e5f60718293a4b5c6d7e8f901"
	tests := []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		// go install ...@v0.1.0: the module's version, no VCS.
		{"installed release", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "v0.1.0"}}, true,
			"gardenfleet v0.1.0 go1.27.3" + platform},
		// go build in a checkout, VCS stamped.
		{"checkout", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs", "git", "vcs.revision", rev, "vcs.modified", "false")}, true,
			"gardenfleet (devel) commit " + rev + " go1.27.3" + platform},
		{"dirty checkout", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", rev, "vcs.modified", "true")}, true,
			"gardenfleet (devel) commit " + rev + "-dirty go1.27.3" + platform},
		// -buildvcs=false (the Makefile's builds): no commit to tell.
		{"no vcs", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "(devel)"}, Settings: vcs("-buildmode", "exe", "vcs.modified", "true")}, true,
			"gardenfleet (devel) go1.27.3" + platform},
		{"no build info", nil, false,
			"gardenfleet (unknown) " + runtime.Version() + platform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := versionLine(tt.info, tt.ok); got != tt.want {
				t.Errorf("versionLine:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// `gardenfleet version` and `gardenfleet --version` print the same line, that of
// the running binary's build information.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	want := versionLine(debug.ReadBuildInfo()) + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := runCLI(t, t.TempDir(), args...)
		if r.code != 0 || r.stdout != want || r.stderr != "" {
			t.Errorf("gardenfleet %v: exit %d, stdout %q, stderr %q; want 0, %q", args, r.code, r.stdout, r.stderr, want)
		}
	}
	r := runCLI(t, t.TempDir(), "version", "extra")
	if want := "error: unknown command \"extra\" for \"gardenfleet version\"\n"; r.code != 2 || r.stderr != want {
		t.Errorf("version extra: exit %d, stderr %q; want 2, %q", r.code, r.stderr, want)
	}
}
