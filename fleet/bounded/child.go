package bounded

import (
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// Main runs the child of Check and exits when the process is one (its
// environment says so); otherwise it returns at once. Call it first thing in
// main, and in TestMain of every test binary whose code calls Check: the
// child is the running binary (os.Executable) started again.
func Main() {
	if os.Getenv(envChild) != "1" {
		return
	}
	os.Exit(child(os.Stdin, os.Stdout))
}

// child reads a request from in, evaluates it within its memory and output
// limits, writes the verdict to out and returns the exit code.
func child(in io.Reader, out io.Writer) int {
	// The request is a repo within fleet's bounds, plus gob's framing.
	var req request
	if err := gob.NewDecoder(io.LimitReader(in, snapshot.MaxBytes+maxGardenBytes+16<<20)).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "gardenfleet: bounded child: read the request: %v\n", err)
		return exitRequest
	}
	limitMemory(req.Limits.Memory)
	limitLifetime(req.Parent, req.Limits.Time)
	repo := snapshot.New(req.Name)
	var v verdict
	for _, f := range req.Files {
		if err := repo.AddFile(f.Path, f.Data); err != nil {
			v.Err = err.Error()
		}
	}
	req.Files = nil
	if v.Err == "" {
		v = evaluate(repo, req.Limits, req.Admission)
	}
	if err := gob.NewEncoder(out).Encode(&v); err != nil {
		fmt.Fprintf(os.Stderr, "gardenfleet: bounded child: write the verdict: %v\n", err)
		return exitRequest
	}
	return exitVerdict
}

// evaluate loads and renders repo as Load does and sorts
// the outcome into a verdict. A panic is an internal error the input
// triggered.
func evaluate(repo *snapshot.Repo, limits Limits, adm *Admission) (v verdict) {
	defer func() {
		if p := recover(); p != nil {
			v = verdict{Err: fmt.Sprintf("internal error: %v", p)}
		}
	}()
	var (
		f   *fleet.Fleet
		pos *fleet.Positions
		err error
	)
	if adm != nil {
		// Gardener's refusals are placed at the settings that produced them.
		f, pos, err = fleet.LoadRepoWithPositions(repo)
	} else {
		f, err = fleet.LoadRepo(repo)
	}
	if err != nil {
		return verdictOf(err, repo.Name)
	}
	runtime.GC() // the CUE graph is garbage now, as in Load
	res, err := render.Fleet(f)
	if err != nil {
		return verdictOf(err, repo.Name)
	}
	if len(res.Objects) > limits.Objects {
		return verdict{Limit: &LimitError{Kind: KindObjects, Limit: int64(limits.Objects)}}
	}
	// The objects are encoded to JSON to apply or print them: bound that.
	var size int64
	for _, data := range res.Files {
		size += int64(len(data))
	}
	for _, o := range res.Objects {
		b, err := json.Marshal(o.Object)
		if err != nil {
			return verdict{Err: fmt.Sprintf("encoding %s %s: %v", o.GetKind(), o.GetName(), err)}
		}
		if size += int64(len(b)); size > limits.OutputBytes {
			return verdict{Limit: &LimitError{Kind: KindOutput, Limit: limits.OutputBytes}}
		}
	}
	if adm != nil {
		refusals, notes, err := judge(context.Background(), f, pos, res, adm, repo.Name)
		if err != nil {
			return verdict{Err: err.Error()}
		}
		if refusals != nil {
			return verdict{Invalid: refusals}
		}
		v.Summary.Notes = notes
	}
	v.Summary = Summary{Notes: v.Summary.Notes, Projects: len(f.Projects), Shoots: len(f.Shoots), Labs: len(f.Labs), Objects: len(res.Objects)}
	if f.Warnings != nil {
		v.Summary.Warnings = fleet.Issues(f.Warnings, ".")
	}
	for i := range f.Shoots {
		if f.Shoots[i].Workerless() {
			v.Summary.Workerless++
		}
	}
	return v
}

// watchInterval is how often the watchdog reads the heap: reading
// runtime/metrics neither stops the world nor allocates much.
const watchInterval = 50 * time.Millisecond

// limitMemory keeps the child within limit bytes of heap and stacks: the
// garbage collector works to stay below it (a soft limit, 9/10 of it, so
// garbage alone does not trip the watchdog), a watchdog exits with
// exitMemory once live memory passes it, and on Linux the address space is
// capped well above it, so that an allocation the watchdog cannot see coming
// (a terabyte at once) fails in the kernel rather than taking the machine's
// memory.
func limitMemory(limit int64) {
	debug.SetMemoryLimit(limit / 10 * 9)
	capAddressSpace(limit)
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
	}
	go func() {
		for range time.Tick(watchInterval) {
			metrics.Read(samples)
			var used uint64
			for _, s := range samples {
				if s.Value.Kind() == metrics.KindUint64 {
					used += s.Value.Uint64()
				}
			}
			if used > uint64(limit) {
				fmt.Fprintf(os.Stderr, "gardenfleet: bounded child: %d bytes of heap and stacks, more than the limit of %d\n", used, limit)
				os.Exit(exitMemory)
			}
		}
	}()
}

// lifetimeGrace is how long past its time limit a child may run: the parent
// kills it at the limit, this is only the child's own backstop.
const lifetimeGrace = 5 * time.Second

// limitLifetime ends the child when its parent is gone or when its time
// limit has long passed. The parent kills the child's process group when it
// cancels or times out, but a parent that is itself killed (SIGKILL, a
// crash, a test binary's timeout) cannot, and a child in a process group of
// its own would go on evaluating a hostile fleet for hours.
// The parent's pid comes in the request: read here, the child's parent may
// already be init.
func limitLifetime(parent int, limit time.Duration) {
	var deadline <-chan time.Time
	if limit > 0 {
		deadline = time.After(limit + lifetimeGrace)
	}
	go func() {
		tick := time.NewTicker(watchInterval)
		for {
			select {
			case <-deadline:
				fmt.Fprintf(os.Stderr, "gardenfleet: bounded child: still running %s after its time limit of %s\n", lifetimeGrace, limit)
				os.Exit(exitParent)
			case <-tick.C:
				// Orphaned, the child is adopted by init or a subreaper.
				if os.Getppid() != parent {
					fmt.Fprintf(os.Stderr, "gardenfleet: bounded child: its parent %d is gone\n", parent)
					os.Exit(exitParent)
				}
			}
		}
	}()
}
