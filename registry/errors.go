package registry

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Adapters translate them at their edge: GraphQL codes,
// HTTP statuses, exit statuses.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrInvalid         = errors.New("invalid")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
)

// FieldError names one offending field and why it was refused.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
}

// InvalidError carries every offending field of a refused value. It matches
// ErrInvalid with errors.Is.
type InvalidError struct {
	Fields []FieldError
}

func (e *InvalidError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Is reports that an InvalidError is an ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Invalid builds an InvalidError with one field.
func Invalid(field, format string, args ...any) error {
	return &InvalidError{Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// fieldErrors accumulates validation failures.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &InvalidError{Fields: fe}
}

// FieldsOf returns the offending fields of an invalid error, or nil.
func FieldsOf(err error) []FieldError {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie.Fields
	}
	return nil
}
