package bounded

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/snapshot"
)

// envChild makes a binary run the child of Check (see Main).
const envChild = "GARDENFLEET_BOUNDED_CHILD"

// Exit codes of the child; the Go runtime's own are 2 (fatal error, panic).
const (
	exitVerdict = 0  // the verdict is on stdout
	exitMemory  = 97 // the watchdog saw the memory limit passed
	exitParent  = 96 // the parent is gone, or outlived its own time limit
	exitRequest = 98 // the request on stdin was unreadable
)

// maxVerdictBytes bounds what the parent reads of a child's verdict: a
// hostile fleet's issues could be many.
const maxVerdictBytes = 64 << 20

// request is what the parent sends the child on stdin.
type request struct {
	Limits    Limits
	Admission *Admission
	Name      string
	Files     []file
	// Parent is the pid of the process that started the child: the child
	// ends when that is no longer its parent.
	Parent int
}

type file struct {
	Path string
	Data []byte
}

// verdict is what the child sends back on stdout: at most one of the
// failures, else Summary. Issues are relative to the fleet's directory.
type verdict struct {
	Summary Summary
	// Invalid are the fleet's issues, or Gardener's refusals of what it
	// renders.
	Invalid []fleet.Issue
	Limit   *LimitError
	Err     string
}

// err is the verdict's failure, of the fleet at dir.
func (v *verdict) err(dir string) error {
	switch {
	case v.Invalid != nil:
		return &InvalidError{Dir: dir, Issues: v.Invalid}
	case v.Limit != nil:
		return v.Limit
	case v.Err != "":
		return &EvalError{Msg: v.Err}
	}
	return nil
}

// Check loads and renders repo in a child process within limits and returns
// what it holds, or why it does not pass: a *LimitError, an *InvalidError,
// an *EvalError or a *CrashError are verdicts on the fleet (IsRefused); any
// other error (the child could not start, ctx ended) is not.
// The child and everything it started are killed when ctx is done or
// limits.Time passes.
func Check(ctx context.Context, repo *snapshot.Repo, limits Limits) (Summary, error) {
	return CheckAdmitted(ctx, repo, limits, nil)
}

// CheckAdmitted is Check that also judges the rendered objects with
// Gardener's code (see Admission) when adm is not nil: objects Gardener
// refuses make an *InvalidError too, each refusal placed in the fleet.
func CheckAdmitted(ctx context.Context, repo *snapshot.Repo, limits Limits, adm *Admission) (Summary, error) {
	limits = limits.withDefaults()
	exe, err := os.Executable()
	if err != nil {
		return Summary{}, fmt.Errorf("evaluating the fleet: find the gardenfleet binary: %w", err)
	}
	if adm != nil {
		var n int
		for _, f := range adm.Garden {
			n += len(f.Data)
		}
		if n > maxGardenBytes {
			return Summary{}, fmt.Errorf("evaluating the fleet: the garden objects take %d bytes, more than %s", n, FormatBytes(maxGardenBytes))
		}
	}
	req := request{Limits: limits, Admission: adm, Name: repo.Name, Parent: os.Getpid()}
	for _, p := range repo.Paths() {
		data, _ := repo.File(p)
		req.Files = append(req.Files, file{Path: p, Data: data})
	}
	var stdin bytes.Buffer
	if err := gob.NewEncoder(&stdin).Encode(req); err != nil {
		return Summary{}, fmt.Errorf("evaluating the fleet: encode the repo: %w", err)
	}

	cctx := ctx
	if limits.Time > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, limits.Time)
		defer cancel()
	}
	// A test binary without the Main hook runs no tests with this argument,
	// instead of running them again in a loop of children; a binary with
	// the hook never sees it.
	cmd := exec.CommandContext(cctx, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1")
	cmd.Stdin = &stdin
	stdout := &limitedBuffer{max: maxVerdictBytes}
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	ownProcessGroup(cmd)
	cmd.WaitDelay = time.Second
	err = cmd.Run()

	if ctx.Err() != nil {
		return Summary{}, fmt.Errorf("evaluating the fleet: %w", context.Cause(ctx))
	}
	if cctx.Err() != nil {
		return Summary{}, &LimitError{Kind: KindTime, Limit: int64(limits.Time)}
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return Summary{}, fmt.Errorf("evaluating the fleet: run %s: %w", exe, err)
	}
	switch code := cmd.ProcessState.ExitCode(); {
	case code == exitMemory || runtimeOutOfMemory(stderr.String()):
		return Summary{}, &LimitError{Kind: KindMemory, Limit: limits.Memory}
	case code == exitVerdict && !stdout.over:
		var v verdict
		if err := gob.NewDecoder(&stdout.Buffer).Decode(&v); err != nil {
			return Summary{}, &CrashError{Status: "wrote no verdict", Detail: err.Error()}
		}
		return v.Summary, v.err(repo.Name)
	case code == exitVerdict:
		return Summary{}, &CrashError{Status: "wrote a verdict larger than " + FormatBytes(maxVerdictBytes)}
	default:
		return Summary{}, &CrashError{Status: cmd.ProcessState.String(), Detail: firstLine(stderr.String())}
	}
}

// runtimeOutOfMemory tells whether the Go runtime died for want of memory:
// an allocation the kernel refused (larger than the machine, or than
// RLIMIT_AS), which the watchdog cannot see coming.
func runtimeOutOfMemory(stderr string) bool {
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "fatal error: ") && strings.HasSuffix(line, "out of memory") {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// limitedBuffer keeps the first max bytes written to it and notes whether
// there were more, without failing the writer.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

var _ io.Writer = (*limitedBuffer)(nil)
