package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir"
)

// codeStatus maps MLflow error codes to HTTP statuses, as MLflow's server
// does. Codes not listed here are 500. Note that RESOURCE_ALREADY_EXISTS is
// 400, not 409.
var codeStatus = map[string]int{
	weir.ErrInternal:               http.StatusInternalServerError,
	weir.ErrInvalidState:           http.StatusInternalServerError,
	"DATA_LOSS":                    http.StatusInternalServerError,
	weir.ErrUnsupported:            http.StatusNotImplemented,
	weir.ErrTemporarilyUnavailable: http.StatusServiceUnavailable,
	weir.ErrDeadlineExceeded:       http.StatusGatewayTimeout,
	"REQUEST_LIMIT_EXCEEDED":       http.StatusTooManyRequests,
	weir.ErrResourceExhausted:      http.StatusTooManyRequests,
	"CANCELLED":                    499,
	"ABORTED":                      http.StatusConflict,
	"RESOURCE_CONFLICT":            http.StatusConflict,
	"ALREADY_EXISTS":               http.StatusConflict,
	"NOT_FOUND":                    http.StatusNotFound,
	weir.ErrEndpointNotFound:       http.StatusNotFound,
	weir.ErrResourceDoesNotExist:   http.StatusNotFound,
	weir.ErrPermissionDenied:       http.StatusForbidden,
	"CUSTOMER_UNAUTHORIZED":        http.StatusUnauthorized,
	"UNAUTHENTICATED":              http.StatusUnauthorized,
	weir.ErrBadRequest:             http.StatusBadRequest,
	weir.ErrResourceAlreadyExists:  http.StatusBadRequest,
	weir.ErrInvalidParameterValue:  http.StatusBadRequest,
}

// StatusCode returns the HTTP status MLflow uses for an error code.
func StatusCode(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// statusCodes maps HTTP statuses back to codes for error responses that
// carry no JSON body (proxies, plain-text 404s), as MLflow's client does.
var statusCodes = map[int]string{
	http.StatusBadRequest:          weir.ErrBadRequest,
	http.StatusUnauthorized:        "UNAUTHENTICATED",
	http.StatusForbidden:           weir.ErrPermissionDenied,
	http.StatusNotFound:            weir.ErrEndpointNotFound,
	http.StatusConflict:            "ABORTED",
	http.StatusTooManyRequests:     weir.ErrResourceExhausted,
	http.StatusNotImplemented:      weir.ErrUnsupported,
	http.StatusServiceUnavailable:  weir.ErrTemporarilyUnavailable,
	http.StatusGatewayTimeout:      weir.ErrDeadlineExceeded,
	http.StatusInternalServerError: weir.ErrInternal,
}

// codeForStatus returns the error code for an HTTP status without a body.
func codeForStatus(status int) string {
	if c, ok := statusCodes[status]; ok {
		return c
	}
	if status >= 400 && status < 500 {
		return weir.ErrBadRequest
	}
	return weir.ErrInternal
}
