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
	flag.Parse()
	if *out == "" {
		log.Fatal("genfleet: -out is required")
	}
	if err := benchfleet.Generate(*out, *shoots); err != nil {
		log.Fatalf("genfleet: %v", err)
	}
}
