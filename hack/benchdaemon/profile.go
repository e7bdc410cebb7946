package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"time"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/hack/benchfleet"
	"github.com/gardenfleet/gardenfleet/render"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// buildPhase is the live heap through one step of a build.
type buildPhase struct {
	name            string
	took            time.Duration
	maxLive, after  uint64 // the largest live heap any GC in the step saw; live after it (forced GC)
	totalAlloc, gcs uint64
}

// profileBuild does in this process what the daemon does for a new revision
// (reconciler.build: fleet.Load, a forced GC, render.Each encoding each object) at GOGC gcPercent,
// so that collections are frequent and the largest live heap they see is
// close to the true one. It writes into dir the heap profile of each step's
// collection that saw the largest live heap (load.pprof, render.pprof).
func profileBuild(ctx context.Context, shoots, gcPercent int, dir string, w io.Writer) error {
	work, err := os.MkdirTemp("", "benchdaemon-profile")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	src := filepath.Join(work, "fleet")
	if err := benchfleet.Generate(src, shoots); err != nil {
		return fmt.Errorf("generate fleet: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))
	runtime.GC()

	// Kept reachable to the end, as the daemon keeps its last build.
	var f *fleet.Fleet
	var rendered []clusters.Object
	steps := []struct {
		name, file string
		fn         func() error
	}{
		{"fleet.Load (CUE load, unify, validate, decode)", "load.pprof", func() error {
			var err error
			if f, err = fleet.Load(src); err != nil {
				return fmt.Errorf("load fleet: %w", err)
			}
			return nil
		}},
		{"render.Each, each object encoded (as the daemon's build)", "render.pprof", func() error {
			_, err := render.Each(f, func(o *unstructured.Unstructured) error {
				encoded, err := clusters.Encode(o)
				rendered = append(rendered, encoded...)
				return err
			})
			if err != nil {
				return fmt.Errorf("render fleet: %w", err)
			}
			return nil
		}},
	}
	var phases []buildPhase
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, profile, err := watchLive(s.name, s.fn)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, s.file), profile, 0o644); err != nil {
			return fmt.Errorf("write heap profile: %w", err)
		}
		phases = append(phases, p)
	}
	runtime.KeepAlive(f)
	objects := len(rendered)

	fmt.Fprintf(w, "\nbuild profile: %d shoots, %d objects, GOGC=%d; heap profiles in %s\n\n", shoots, objects, gcPercent, dir)
	fmt.Fprintln(w, "| step | took | GCs | allocated | largest live heap | live after |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for _, p := range phases {
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s |\n", p.name, seconds(p.took), p.gcs,
			mib(int64(p.totalAlloc)), mib(int64(p.maxLive)), mib(int64(p.after)))
	}
	return nil
}

// watchLive runs fn, keeping the heap profile of the collection inside it
// that saw the largest live heap. The live heap after fn is measured with a
// forced GC; what fn returns stays reachable through the caller's variables.
func watchLive(name string, fn func() error) (buildPhase, []byte, error) {
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(samples)
	gcs0, alloc0 := samples[1].Value.Uint64(), samples[2].Value.Uint64()
	peak := watchPeak()
	start := time.Now()
	err := fn()
	took := time.Since(start)
	maxLive, profile := peak.stop()
	if err != nil {
		return buildPhase{}, nil, err
	}
	metrics.Read(samples)
	p := buildPhase{name: name, took: took, maxLive: maxLive,
		gcs: samples[1].Value.Uint64() - gcs0, totalAlloc: samples[2].Value.Uint64() - alloc0}
	runtime.GC()
	p.after = liveHeap()
	p.maxLive = max(p.maxLive, p.after)
	return p, profile, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write heap profile: %w", err)
	}
	// No GC first: in-use is then as of the last collection inside the step.
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("write heap profile: %w", err)
	}
	return f.Close()
}
