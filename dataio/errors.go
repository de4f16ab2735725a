package dataio

import (
	"errors"
	"net"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/weir-ml/weir"
)

// Error is a failure to reach or use object storage at one location: a
// bucket that cannot be reached, a key that does not exist, credentials
// missing or refused. Its message names the location and says in a few
// words what went wrong, never the credentials. It deliberately does not
// unwrap to the SDK's error, so that a command reports it as what it is
// (a storage failure, exit code 1) rather than as the network or
// not-found error inside it; Err holds that error for logs.
type Error struct {
	Loc string
	Err error
}

func (e *Error) Error() string { return e.Loc + ": " + describe(e.Err) }

// storageError wraps err, unless it is nil or already an *Error.
func storageError(l Location, err error) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return &Error{Loc: l.Raw, Err: err}
}

// describe says briefly why a storage call failed.
func describe(err error) string {
	if weir.ErrorCode(err) == weir.ErrResourceDoesNotExist {
		return "no such object"
	}
	msg := err.Error()
	if strings.Contains(msg, "get credentials") || strings.Contains(msg, "retrieve credentials") {
		return "no usable AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchBucket":
			return "no such bucket"
		case "NoSuchKey", "NotFound":
			return "no such object"
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden":
			return "access refused (" + api.ErrorCode() + "): check the credentials and the bucket's policy"
		}
		if m := api.ErrorMessage(); m != "" {
			return api.ErrorCode() + ": " + m
		}
		return api.ErrorCode()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "cannot reach the S3 endpoint: no such host " + dns.Name
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "cannot reach the S3 endpoint: " + op.Err.Error() + " (check WEIR_S3_ENDPOINT_URL, MLFLOW_S3_ENDPOINT_URL or AWS_ENDPOINT_URL)"
	}
	return msg
}
