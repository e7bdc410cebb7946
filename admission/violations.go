package admission

import (
	"errors"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Violation is one reason Gardener refuses an object, in its own words.
type Violation struct {
	// Field is Gardener's field path (spec.kubernetes.version), "" when
	// its message names none.
	Field string
	// Type is the kind of problem as Gardener words it: Forbidden,
	// Invalid value, Unsupported value, Required value, ...
	Type string
	// Message is Gardener's whole text: "FIELD: TYPE: detail" for a field.
	Message string
}

func (v Violation) String() string { return v.Message }

func fieldViolations(errs field.ErrorList) []Violation {
	out := make([]Violation, 0, len(errs))
	for _, e := range errs {
		out = append(out, Violation{Field: e.Field, Type: e.Type.String(), Message: e.Error()})
	}
	return out
}

// violationsOf turns what a plugin returned into violations. A 422 keeps
// its field errors as causes; a 403 of the ShootValidator keeps only the
// aggregate's text ("[e1, e2]"), which is split back into field errors.
func violationsOf(err error) []Violation {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return []Violation{{Message: err.Error()}}
	}
	st := status.Status()
	if apierrors.IsInvalid(err) && st.Details != nil && len(st.Details.Causes) > 0 {
		out := make([]Violation, 0, len(st.Details.Causes))
		for _, c := range st.Details.Causes {
			typ, _, _ := strings.Cut(c.Message, ": ")
			out = append(out, Violation{Field: c.Field, Type: typ, Message: c.Field + ": " + c.Message})
		}
		return out
	}
	msg := st.Message
	if _, rest, ok := strings.Cut(msg, " is forbidden: "); ok && apierrors.IsForbidden(err) {
		msg = rest
	}
	var out []Violation
	for _, part := range splitAggregate(msg) {
		out = append(out, parseFieldError(part))
	}
	return out
}

// fieldStart finds where a field error starts inside an aggregate's text:
// ", " and then a field path of Gardener's Shoot and a colon.
var fieldStart = regexp.MustCompile(`, ((?:spec|metadata)(?:\.[A-Za-z0-9]+|\[[^\]]*\])*: )`)

// splitAggregate undoes utilerrors.Aggregate's "[e1, e2]".
func splitAggregate(msg string) []string {
	if !strings.HasPrefix(msg, "[") || !strings.HasSuffix(msg, "]") {
		return []string{msg}
	}
	msg = msg[1 : len(msg)-1]
	var parts []string
	for {
		loc := fieldStart.FindStringSubmatchIndex(msg)
		if loc == nil {
			return append(parts, msg)
		}
		parts = append(parts, msg[:loc[0]])
		msg = msg[loc[2]:]
	}
}

// errorTypes are field.ErrorType's words.
var errorTypes = []field.ErrorType{field.ErrorTypeNotFound, field.ErrorTypeRequired, field.ErrorTypeDuplicate,
	field.ErrorTypeInvalid, field.ErrorTypeNotSupported, field.ErrorTypeForbidden, field.ErrorTypeTooLong,
	field.ErrorTypeTooMany, field.ErrorTypeInternal, field.ErrorTypeTypeInvalid}

// parseFieldError reads "FIELD: TYPE: detail" back.
func parseFieldError(s string) Violation {
	v := Violation{Message: s}
	f, rest, ok := strings.Cut(s, ": ")
	if !ok || !fieldStart.MatchString(", "+f+": ") {
		return v
	}
	v.Field = f
	for _, t := range errorTypes {
		if strings.HasPrefix(rest, t.String()) {
			v.Type = t.String()
		}
	}
	return v
}
