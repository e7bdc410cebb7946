// Package benchfleet writes synthetic fleet repos for benchmarks, with the
// gardenfleet schema copied in so that `cue export` evaluates exactly the
// package gardenfleet loads.
package benchfleet

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gardenfleet/gardenfleet/schema"
)

const header = `package fleet

defaults: {
	cloudProfile:       "metal"
	region:             "local"
	credentialsBinding: "metal-credentials"
	kubernetes: version: "1.36.2"
	networking: {type: "calico", pods: "10.240.0.0/13", services: "10.248.0.0/18"}
	maintenance: window: {begin: "220000+0100", end: "230000+0100"}
	provider: metal: {
		partition: "mini-lab"
		project:   "00000000-0000-0000-0000-000000000001"
		tenant:    "bench"
		firewall: {size: "v1-small-x86", image: "firewall-ubuntu-3.0", networks: ["internet-mini-lab"]}
	}
	pool: {machine: "v1-small-x86", image: {name: "debian", version: "12"}, minimum: 1, maximum: 3}
}
environments: {
	dev: {purpose: "development", hibernation: {location: "Europe/Berlin", windows: [{days: "daily", start: "19:00", end: "07:00"}, {days: "weekends"}]}}
	prod: purpose: "production"
}
`

// Projects is how many projects a generated fleet's shoots spread over.
const Projects = 20

// Generate writes a fleet of n shoots into dir.
func Generate(dir string, n int) error {
	return GeneratePart(dir, n, Part{})
}

// Part places a generated fleet among others that together make one larger
// fleet split across several Fleets: each part's shoots and projects must
// have names of their own, or the Fleets would fight over them.
type Part struct {
	// FirstShoot is the index of the first shoot (named s<index>, 5 digits).
	FirstShoot int
	// FirstProject is the index of the first of the part's 20 projects (p<index>).
	FirstProject int
}

// GeneratePart writes the part p of a larger fleet, n shoots, into dir.
func GeneratePart(dir string, n int, p Part) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("projects: {\n")
	for i := p.FirstProject; i < p.FirstProject+Projects; i++ {
		fmt.Fprintf(&b, "\tp%d: description: \"project %d\"\n", i, i)
	}
	b.WriteString("}\n")
	if err := os.WriteFile(filepath.Join(dir, "fleet.cue"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	// Shoots in files of 500, as a large fleet repo would split them.
	end := p.FirstShoot + n
	for start := p.FirstShoot; start < end; start += 500 {
		b.Reset()
		b.WriteString("package fleet\n\nshoots: {\n")
		for i := start; i < min(end, start+500); i++ {
			writeShoot(&b, i, p.FirstProject+i%Projects)
		}
		b.WriteString("}\n")
		name := filepath.Join(dir, fmt.Sprintf("shoots-%05d.cue", start))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteSchema writes gardenfleet's schema into dir beside a generated
// fleet, so that `cue export` evaluates the same package gardenfleet does.
// gardenfleet itself refuses such files: give it a directory without them.
func WriteSchema(dir string) error {
	entries, err := fs.ReadDir(schema.Files, ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		src, err := fs.ReadFile(schema.Files, e.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "zz_gardenfleet_schema_"+e.Name()), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeShoot mixes the shapes of a real fleet: mostly metal shoots with two
// pools, some workerless, every third in dev with hibernation.
func writeShoot(b *strings.Builder, i, project int) {
	env := "prod"
	if i%3 == 0 {
		env = "dev"
	}
	fmt.Fprintf(b, "\t\"s%05d\": {\n\t\tproject: \"p%d\"\n\t\tenvironment: %q\n\t\tlabels: {index: \"%d\"}\n", i, project, env, i)
	if i%10 == 0 {
		b.WriteString("\t\tcloudProfile: \"local\"\n\t\tprovider: type: \"local\"\n")
	} else {
		b.WriteString("\t\tpools: {\n\t\t\tblue: {maximum: 5}\n\t\t\tgreen: kubernetes: version: \"1.35.4\"\n\t\t}\n")
	}
	b.WriteString("\t}\n")
}
