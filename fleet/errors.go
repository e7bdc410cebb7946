package fleet

import (
	"fmt"
	"path/filepath"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// ruleError is a rule violation found by Go code, shaped like CUE's own
// errors so that both are sorted and printed alike.
type ruleError struct {
	pos  token.Pos
	path []string
	msg  string
}

func newRuleError(pos token.Pos, path []string, format string, args ...any) *ruleError {
	return &ruleError{pos: pos, path: path, msg: fmt.Sprintf(format, args...)}
}

func (e *ruleError) Position() token.Pos         { return e.pos }
func (e *ruleError) InputPositions() []token.Pos { return nil }
func (e *ruleError) Path() []string              { return e.path }
func (e *ruleError) Msg() (string, []any)        { return "%s", []any{e.msg} }
func (e *ruleError) Error() string {
	if len(e.path) == 0 {
		return e.msg
	}
	return strings.Join(e.path, ".") + ": " + e.msg
}

// Issue is one validation problem, ready to print.
type Issue struct {
	File    string // relative to the fleet directory when inside it
	Line    int
	Column  int
	Path    string // the data path, e.g. shoots.prod.pools.green
	Message string
}

// String renders the issue as file:line:col: path: message.
func (i Issue) String() string {
	var b strings.Builder
	if i.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", i.File, i.Line, i.Column)
	}
	if i.Path != "" {
		b.WriteString(i.Path)
		b.WriteString(": ")
	}
	b.WriteString(i.Message)
	return b.String()
}

// Issues flattens a validation error into issues, sorted by position. The
// position shown is the first one in the user's files rather than in the
// schema gardenfleet adds.
func Issues(err error, dir string) []Issue {
	abs, _ := filepath.Abs(dir)
	var out []Issue
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		is := Issue{Path: strings.Join(e.Path(), "."), Message: fmt.Sprintf(format, args...)}
		if pos := userPosition(e); pos.IsValid() {
			is.File = relative(abs, pos.Filename())
			is.Line, is.Column = pos.Line(), pos.Column()
		}
		out = append(out, is)
	}
	return out
}

// Details renders a validation error as one line per issue.
func Details(err error, dir string) string {
	var b strings.Builder
	for _, is := range Issues(err, dir) {
		b.WriteString(is.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func userPosition(e cueerrors.Error) token.Pos {
	positions := append([]token.Pos{e.Position()}, e.InputPositions()...)
	for _, p := range positions {
		if p.IsValid() && !isSchemaFile(p.Filename()) {
			return p
		}
	}
	for _, p := range positions {
		if p.IsValid() {
			return p
		}
	}
	return token.NoPos
}

func isSchemaFile(name string) bool {
	return strings.HasPrefix(filepath.Base(name), schemaFilePrefix)
}

func relative(dir, file string) string {
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return file
}
