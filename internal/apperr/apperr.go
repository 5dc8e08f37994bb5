// Package apperr defines the kinds of errors Vitrine's domain can return and
// the field errors that carry translatable messages. Only the web layer turns
// them into responses; internal text never reaches a user.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edge (HTTP status, exit code).
type Kind int

const (
	Internal     Kind = iota // a bug or an outage: logged, never shown
	Invalid                  // the input is wrong: 400/422 with field errors
	NotFound                 // 404
	Conflict                 // 409: the request clashes with the current state
	Unauthorized             // 401: who are you?
	Forbidden                // 403: you may not
	Gone                     // 410: it existed and is no longer usable
	TooLarge                 // 413
	RateLimited              // 429
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "unauthorized", "forbidden", "gone", "too_large", "rate_limited"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// FieldError names one wrong field and the catalogue key of its message.
type FieldError struct {
	Field string
	Key   string         // message key in the translation catalogue
	Args  map[string]any // template data for the message
}

// Error is a domain error with a kind, a stable code and a message key.
type Error struct {
	Kind   Kind
	Code   string // stable machine code, e.g. "session_full"; becomes the problem type
	Key    string // message key for the user-facing explanation
	Args   map[string]any
	Fields []FieldError
	Err    error // cause, for logs only
}

func (e *Error) Error() string {
	s := e.Code
	if s == "" {
		s = e.Kind.String()
	}
	for _, f := range e.Fields {
		s += fmt.Sprintf(" [%s: %s]", f.Field, f.Key)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is match two *Error values by kind and code, so a sentinel
// such as ErrSessionFull matches a copy that carries different arguments.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != "" && t.Code == e.Code && t.Kind == e.Kind
}

// New returns a sentinel-style error.
func New(kind Kind, code, key string) *Error { return &Error{Kind: kind, Code: code, Key: key} }

// With returns a copy of e carrying args for its message.
func (e *Error) With(args map[string]any) *Error {
	c := *e
	c.Args = args
	return &c
}

// Wrap returns a copy of e with a cause attached (for logs).
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// KindOf returns the kind of err, Internal when it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Errorf builds an error of the given kind with a code and a message key.
func Errorf(kind Kind, code, key string, args map[string]any) *Error {
	return &Error{Kind: kind, Code: code, Key: key, Args: args}
}

// Validation collects field errors; the zero value is ready to use.
type Validation struct{ fields []FieldError }

// Add records a field error.
func (v *Validation) Add(field, key string, args map[string]any) {
	v.fields = append(v.fields, FieldError{Field: field, Key: key, Args: args})
}

// Check records a field error when ok is false and reports ok.
func (v *Validation) Check(ok bool, field, key string) bool {
	if !ok {
		v.Add(field, key, nil)
	}
	return ok
}

// Has reports whether field already has an error.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was recorded, else an Invalid error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: "invalid_input", Key: "error.invalid_input", Fields: append([]FieldError(nil), v.fields...)}
}

// Field returns an Invalid error for a single field.
func Field(field, key string, args map[string]any) error {
	return &Error{Kind: Invalid, Code: "invalid_input", Key: "error.invalid_input", Fields: []FieldError{{Field: field, Key: key, Args: args}}}
}
