package config_test

import (
	"os"
	"regexp"
	"testing"
)

// TestPinnedVersions keeps what users copy pinned: the manifests and the CI example
// name the same gardenfleet release, and no image or install line says latest.
func TestPinnedVersions(t *testing.T) {
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	image := regexp.MustCompile(`image: ghcr\.io/gardenfleet/gardenfleet:(\S+)`).FindStringSubmatch(read("manager/deployment.yaml"))
	install := regexp.MustCompile(`GARDENFLEET_VERSION: (\S+)`).FindStringSubmatch(read("../examples/ci/gardenfleet.yaml"))
	semver := regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
	if image == nil || install == nil || !semver.MatchString(image[1]) || install[1] != image[1] {
		t.Errorf("deployment image %q and CI example GARDENFLEET_VERSION %q: want the same vX.Y.Z", image, install)
	}
	latest := regexp.MustCompile(`[:@]latest\b`)
	for _, path := range []string{"manager/deployment.yaml", "../examples/ci/gardenfleet.yaml", "../Dockerfile"} {
		if loc := latest.FindStringIndex(read(path)); loc != nil {
			t.Errorf("%s names latest at offset %d: pin a version", path, loc[0])
		}
	}
}
