package graphql

import (
	"context"
	"errors"
	"net/http"

	"github.com/graphql-go/graphql/gqlerrors"

	"github.com/acervo-co/acervo/registry"
)

// Error codes of errors[].extensions.code (shared/reference/reliability.md §0).
const (
	CodeRequestTooLarge      = "REQUEST_TOO_LARGE"
	CodeParseError           = "PARSE_ERROR"
	CodeValidationFailed     = "GRAPHQL_VALIDATION_FAILED"
	CodeQueryTooDeep         = "QUERY_TOO_DEEP"
	CodePaginationRequired   = "PAGINATION_REQUIRED"
	CodeArgumentOutOfRange   = "ARGUMENT_OUT_OF_RANGE"
	CodeMaxNodesExceeded     = "MAX_NODES_EXCEEDED"
	CodeTooManyFields        = "TOO_MANY_FIELDS"
	CodeBatchNotAllowed      = "BATCH_NOT_ALLOWED"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	CodeRateLimited          = "RATE_LIMITED"
	CodeTimeout              = "TIMEOUT"
	CodeUnauthenticated      = "UNAUTHENTICATED"
	CodeForbidden            = "FORBIDDEN"
	CodeConflict             = "CONFLICT"
	CodeNotFound             = "NOT_FOUND"
	CodeInvalid              = "INVALID"
	CodeBadRequest           = "BAD_REQUEST"
	CodeInternal             = "INTERNAL"
)

// apiError is an error this package made on purpose: its message and code
// reach the client.
type apiError struct {
	code   string
	msg    string
	status int
	field  string
}

func (e *apiError) Error() string { return e.msg }

// Extensions puts the code (and the offending field) in the response.
func (e *apiError) Extensions() map[string]interface{} {
	m := map[string]interface{}{"code": e.code}
	if e.field != "" {
		m["field"] = e.field
	}
	return m
}

func newError(status int, code, msg string) *apiError {
	return &apiError{code: code, msg: msg, status: status}
}

// publicError translates the sentinels of registry/errors.go into errors the
// client may read; anything else is returned unchanged (and masked later).
func publicError(err error) error {
	if err == nil {
		return nil
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return newError(http.StatusGatewayTimeout, CodeTimeout, "the request took longer than its deadline")
	case errors.Is(err, registry.ErrUnauthenticated):
		return newError(http.StatusUnauthorized, CodeUnauthenticated, "sign in or send an API token")
	case errors.Is(err, registry.ErrForbidden):
		return newError(http.StatusForbidden, CodeForbidden, "your roles do not allow this")
	case errors.Is(err, registry.ErrConflict):
		return newError(http.StatusConflict, CodeConflict, "the record changed since it was read; read it again")
	case errors.Is(err, registry.ErrNotFound):
		return newError(http.StatusNotFound, CodeNotFound, "not found")
	case errors.Is(err, registry.ErrInvalid):
		e := newError(http.StatusBadRequest, CodeInvalid, err.Error())
		if fs := registry.FieldsOf(err); len(fs) > 0 {
			e.field = fs[0].Field
		}
		return e
	}
	return err
}

// rootCause digs the resolver's own error out of graphql-go's wrappers.
func rootCause(err error) error {
	for i := 0; i < 10 && err != nil; i++ {
		switch e := err.(type) {
		case gqlerrors.FormattedError:
			if e.OriginalError() == nil {
				return err
			}
			err = e.OriginalError()
		case *gqlerrors.FormattedError:
			if e.OriginalError() == nil {
				return err
			}
			err = e.OriginalError()
		case *gqlerrors.Error:
			if e.OriginalError == nil {
				return err
			}
			err = e.OriginalError
		default:
			return err
		}
	}
	return err
}

// userError is one entry of a mutation's userErrors.
type userError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

// userErrors turns a Service error into userErrors, or returns the error
// itself when it is not the user's to fix (then it is masked).
func userErrors(err error) ([]userError, error) {
	if fs := registry.FieldsOf(err); len(fs) > 0 {
		out := make([]userError, 0, len(fs))
		for _, f := range fs {
			code := f.Code
			if code == "" {
				code = CodeInvalid
			}
			out = append(out, userError{Field: f.Field, Message: f.Message, Code: code})
		}
		return out, nil
	}
	pe := publicError(err)
	var ae *apiError
	if errors.As(pe, &ae) && ae.code != CodeTimeout {
		return []userError{{Field: ae.field, Message: ae.msg, Code: ae.code}}, nil
	}
	return nil, err
}
