// Command installcheck proves the README's one-line install works: it packs
// the working tree as a module version into a file:// module proxy, beside
// the module cache's copies of the dependencies, and runs the README's
// `go install` line against it, offline. `go install pkg@version` refuses a
// module whose go.mod holds replace directives, and the line must build
// without cgo (admission/cgo.go).
//
//	go run ./hack/installcheck
package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

const (
	modulePath = "github.com/gardenfleet/gardenfleet"
	version    = "v0.0.0-installcheck"
	// installLine is the README's, with @VERSION filled in.
	installLine = "CGO_ENABLED=0 go install github.com/gardenfleet/gardenfleet/cmd/gardenfleet@" + version
)

func main() {
	log.SetFlags(0)
	root, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		log.Fatal(err)
	}
	if want := strings.Replace(installLine, version, "VERSION", 1); !strings.Contains(string(readme), want) {
		log.Fatalf("installcheck: README.md does not hold the install line %q", want)
	}
	work, err := os.MkdirTemp("", "installcheck")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	proxy := filepath.Join(work, "proxy")
	if err := pack(root, proxy); err != nil {
		log.Fatalf("installcheck: %v", err)
	}
	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		log.Fatal(err)
	}
	cache := filepath.Join(strings.TrimSpace(string(modcache)), "cache", "download")
	gobin := filepath.Join(work, "bin")
	cmd := exec.Command("sh", "-c", installLine)
	cmd.Dir = work // outside the module: go install pkg@version ignores it anyway
	cmd.Env = append(os.Environ(),
		"GOPROXY=file://"+proxy+",file://"+cache, "GOSUMDB=off", "GOFLAGS=-mod=mod -buildvcs=false",
		"GOBIN="+gobin, "GOWORK=off")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("installcheck: %s: %v", installLine, err)
	}
	out, err := exec.Command(filepath.Join(gobin, "gardenfleet"), "--help").CombinedOutput()
	if err != nil {
		log.Fatalf("installcheck: the installed gardenfleet --help: %v\n%s", err, out)
	}
	fmt.Printf("installcheck: %q installed and ran in %s\n", installLine, time.Since(start).Round(time.Second))
}

// pack writes the module in dir as version into a file:// proxy.
func pack(dir, proxy string) error {
	d := filepath.Join(proxy, modulePath, "@v")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(d, version+".zip"))
	if err != nil {
		return err
	}
	if err := zip.CreateFromDir(f, module.Version{Path: modulePath, Version: version}, dir); err != nil {
		f.Close()
		return fmt.Errorf("pack the module: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d, version+".mod"), mod, 0o644); err != nil {
		return err
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, version)
	if err := os.WriteFile(filepath.Join(d, version+".info"), []byte(info), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d, "list"), []byte(version+"\n"), 0o644)
}
