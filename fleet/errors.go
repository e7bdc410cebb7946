package fleet

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// ruleError is a rule violation found by Go code, shaped like CUE's own
// errors so that both are sorted and printed alike.
type ruleError struct {
	pos  token.Pos
	path []string
	msg  string
	// also are other places the problem comes from.
	also []token.Pos
}

func newRuleError(pos token.Pos, path []string, format string, args ...any) *ruleError {
	return &ruleError{pos: pos, path: path, msg: fmt.Sprintf(format, args...)}
}

func (e *ruleError) Position() token.Pos         { return e.pos }
func (e *ruleError) InputPositions() []token.Pos { return e.also }
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
	// Also are the other places in the user's files the problem comes
	// from, as file:line:col: the other side of a conflict.
	Also []string
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
	if len(i.Also) > 0 {
		b.WriteString(" (also ")
		b.WriteString(strings.Join(i.Also, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// Issues flattens a validation error into issues, sorted by position. The
// position shown is the first one in the user's files rather than in the
// schema gardenfleet adds.
func Issues(err error, dir string) []Issue {
	abs, _ := filepath.Abs(dir)
	var out []Issue
	for _, e := range cueerrors.Errors(err) {
		is := Issue{Path: strings.Join(e.Path(), "."), Message: message(e)}
		pos := userPosition(e)
		if pos.IsValid() {
			is.File = relative(abs, pos.Filename())
			is.Line, is.Column = pos.Line(), pos.Column()
		}
		for _, p := range e.InputPositions() {
			if !p.IsValid() || isSchemaFile(p.Filename()) || p.Filename() == pos.Filename() && p.Line() == pos.Line() && p.Column() == pos.Column() {
				continue
			}
			if at := fmt.Sprintf("%s:%d:%d", relative(abs, p.Filename()), p.Line(), p.Column()); !slices.Contains(is.Also, at) {
				is.Also = append(is.Also, at)
			}
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

// message is e's message followed by those of the errors it wraps, as CUE
// prints them: "import failed: cannot find package ...".
func message(e cueerrors.Error) string {
	var parts []string
	for err := error(e); err != nil; err = errors.Unwrap(err) {
		ce, ok := err.(cueerrors.Error) //nolint:errorlint // each layer of the chain in turn, not the first CUE error in it
		if !ok {
			parts = append(parts, err.Error())
			break
		}
		if format, args := ce.Msg(); format != "" {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	return strings.Join(parts, ": ")
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

// placeInUserFiles gives each error that CUE placed only in the schema (an
// error() of the schema's, say) the position of the user's value it is about.
func placeInUserFiles(root cue.Value, err error) error {
	var out cueerrors.Error
	for _, e := range cueerrors.Errors(err) {
		if p := userPosition(e); !p.IsValid() || isSchemaFile(p.Filename()) {
			if q := positionAt(root, errorPath(e.Path())); q.IsValid() && !isSchemaFile(q.Filename()) {
				e = &placedError{err: e, pos: q}
				if format, _ := e.Msg(); strings.HasPrefix(format, "incomplete value") && len(e.Path()) > 0 {
					// The user wrote nothing there: the schema's
					// constraint means nothing to them, the field does.
					e = newRuleError(q, e.Path(), "required field %q is not set", e.Path()[len(e.Path())-1])
				}
			}
		}
		out = cueerrors.Append(out, e)
	}
	return out
}

// placedError is a CUE error with the position of the user's value.
type placedError struct {
	err cueerrors.Error
	pos token.Pos
}

func (e *placedError) Position() token.Pos         { return e.pos }
func (e *placedError) InputPositions() []token.Pos { return e.err.InputPositions() }
func (e *placedError) Path() []string              { return e.err.Path() }
func (e *placedError) Msg() (string, []any)        { return e.err.Msg() }
func (e *placedError) Error() string               { return e.err.Error() }
func (e *placedError) Unwrap() error               { return errors.Unwrap(e.err) }

// errorPath turns an error's path (labels quoted where CUE needs it) back
// into a cue.Path.
func errorPath(labels []string) cue.Path {
	sels := make([]cue.Selector, 0, len(labels))
	for _, l := range labels {
		switch i, err := strconv.Atoi(l); {
		case err == nil:
			sels = append(sels, cue.Index(i))
		case strings.HasPrefix(l, "#"):
			sels = append(sels, cue.Def(l))
		case strings.HasPrefix(l, `"`):
			if u, err := strconv.Unquote(l); err == nil {
				l = u
			}
			sels = append(sels, cue.Str(l))
		default:
			sels = append(sels, cue.Str(l))
		}
	}
	return cue.MakePath(sels...)
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

// DeclaredIssue is an issue placed at pos (a Shoot's or Project's
// Declared, say), with files relative to dir as Issues gives them; at no
// position when pos is not valid.
func DeclaredIssue(pos token.Pos, dir, path, msg string) Issue {
	is := Issue{Path: path, Message: msg}
	if pos.IsValid() {
		abs, _ := filepath.Abs(dir)
		is.File = relative(abs, pos.Filename())
		is.Line, is.Column = pos.Line(), pos.Column()
	}
	return is
}
