// Command benchrender times `gardenfleet render` beside `cue export` of the
// same CUE package (schema included) on generated fleets, and reports the
// median wall time and the peak resident memory of each.
//
//	go run ./hack/benchrender -gardenfleet bin/gardenfleet -cue bin/cue 100 1000 5000
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/gardenfleet/gardenfleet/hack/benchfleet"
)

func main() {
	gardenfleet := flag.String("gardenfleet", "bin/gardenfleet", "gardenfleet binary")
	cue := flag.String("cue", "bin/cue", "cue binary")
	runs := flag.Int("runs", 5, "runs per measurement")
	cloudProfiles := flag.String("cloudprofiles", "", "a CloudProfile YAML file: also time `gardenfleet validate` with Gardener's checks against it (put into the fleet's cloudprofiles/)")
	flag.Parse()
	sizes := []int{100, 1000, 5000}
	if flag.NArg() > 0 {
		sizes = sizes[:0]
		for _, a := range flag.Args() {
			n, err := strconv.Atoi(a)
			if err != nil {
				log.Fatalf("benchrender: size %q: %v", a, err)
			}
			sizes = append(sizes, n)
		}
	}
	gf, err := filepath.Abs(*gardenfleet)
	if err != nil {
		log.Fatal(err)
	}
	cueBin, err := filepath.Abs(*cue)
	if err != nil {
		log.Fatal(err)
	}
	work, err := os.MkdirTemp("", "benchrender")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)

	var profiles []byte
	if *cloudProfiles != "" {
		if profiles, err = os.ReadFile(*cloudProfiles); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%-7s %12s %12s %6s %12s %12s %6s", "shoots", "cue export", "render", "ratio", "cue peak", "render peak", "ratio")
	if profiles != nil {
		fmt.Printf(" %12s %6s %14s %6s", "validate", "ratio", "validate peak", "ratio")
	}
	fmt.Println()
	for _, n := range sizes {
		dir := filepath.Join(work, strconv.Itoa(n))
		if err := benchfleet.Generate(dir, n); err != nil {
			log.Fatal(err)
		}
		// cue export needs the schema beside the fleet; gardenfleet adds
		// its own and refuses such files.
		cueDir := dir + "-cue"
		if err := benchfleet.Generate(cueDir, n); err != nil {
			log.Fatal(err)
		}
		if err := benchfleet.WriteSchema(cueDir); err != nil {
			log.Fatal(err)
		}
		if profiles != nil {
			if err := os.MkdirAll(filepath.Join(dir, "cloudprofiles"), 0o755); err != nil {
				log.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "cloudprofiles", "cloudprofiles.yaml"), profiles, 0o644); err != nil {
				log.Fatal(err)
			}
		}
		ct, cm := measure(cueDir, *runs, cueBin, "export", ".")
		gt, gm := measure(dir, *runs, gf, "render", ".")
		fmt.Printf("%-7d %11.3fs %11.3fs %6.2f %9.1f MiB %8.1f MiB %6.2f",
			n, ct.Seconds(), gt.Seconds(), gt.Seconds()/ct.Seconds(), mib(cm), mib(gm), float64(gm)/float64(cm))
		if profiles != nil {
			// validate judges every object with Gardener's code in the
			// bounded child; peak is the largest of parent and child.
			vt, vm := measure(dir, *runs, gf, "validate", ".")
			fmt.Printf(" %11.3fs %6.2f %10.1f MiB %6.2f", vt.Seconds(), vt.Seconds()/ct.Seconds(), mib(vm), float64(vm)/float64(cm))
		}
		fmt.Println()
	}
}

// measure runs the command runs times in dir and returns the median wall
// time and the largest peak RSS in bytes.
func measure(dir string, runs int, name string, args ...string) (time.Duration, int64) {
	var times []time.Duration
	var peak int64
	for range runs {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Stdout = io.Discard
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			log.Fatalf("benchrender: %s %v: %v", name, args, err)
		}
		times = append(times, time.Since(start))
		peak = max(peak, maxRSS(cmd.ProcessState))
	}
	slices.Sort(times)
	return times[len(times)/2], peak
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// maxRSS reads the child's peak RSS: Linux reports KiB, macOS bytes.
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if rssInBytes {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}
