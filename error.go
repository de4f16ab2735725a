// Package weir holds what every part of Weir shares: the error type whose codes
// are MLflow's wire error codes, and the version.
package weir

import (
	"errors"
	"fmt"
)

// Error codes, spelled exactly as MLflow's error_code strings on the wire.
const (
	ErrInternal              = "INTERNAL_ERROR"
	ErrInvalidParameterValue = "INVALID_PARAMETER_VALUE"
	ErrResourceDoesNotExist  = "RESOURCE_DOES_NOT_EXIST"
	ErrResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS"
	ErrInvalidState          = "INVALID_STATE"
	ErrBadRequest            = "BAD_REQUEST"
	ErrEndpointNotFound      = "ENDPOINT_NOT_FOUND"
	ErrFeatureDisabled       = "FEATURE_DISABLED"
	// ErrUnsupported answers a request the artifact store at hand cannot
	// serve (multipart upload or download on a local directory), with the
	// code MLflow's server sends for it; it is not a placeholder.
	ErrUnsupported            = "NOT_IMPLEMENTED"
	ErrPermissionDenied       = "PERMISSION_DENIED"
	ErrTemporarilyUnavailable = "TEMPORARILY_UNAVAILABLE"
	ErrDeadlineExceeded       = "DEADLINE_EXCEEDED"
	ErrResourceExhausted      = "RESOURCE_EXHAUSTED"
)

// Error is an error whose Message is safe to show to the caller. Anything that
// is not an *Error is reported to callers as INTERNAL_ERROR with a generic
// message, and its details are only logged.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or ErrInternal when err is not an *Error.
// It returns "" for a nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}

// ErrorMessage returns the safe message of err, or a generic message when err
// is not an *Error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// Wrap adds context to *errp in place, keeping an *Error's code and message
// visible through errors.As. Use it once, at the top of a function:
//
//	defer weir.Wrap(&err, "CreateRun(%q)", id)
func Wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
