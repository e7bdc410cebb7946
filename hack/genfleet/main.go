// Command genfleet writes a synthetic fleet repo of N shoots for benchmarks.
package main

import (
	"flag"
	"log"

	"github.com/gardenfleet/gardenfleet/hack/benchfleet"
)

func main() {
	shoots := flag.Int("shoots", 1000, "number of shoots")
	out := flag.String("out", "", "output directory (created)")
	var part benchfleet.Part
	flag.IntVar(&part.FirstShoot, "first-shoot", 0, "index of the first shoot, for one part of a fleet split across Fleets")
	flag.IntVar(&part.FirstProject, "first-project", 0, "index of the first of the 20 projects, for one part of a fleet split across Fleets")
	flag.Parse()
	if *out == "" {
		log.Fatal("genfleet: -out is required")
	}
	if err := benchfleet.GeneratePart(*out, *shoots, part); err != nil {
		log.Fatalf("genfleet: %v", err)
	}
}
