package s3

import (
	"errors"
	"net/http"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// isNotFound reports whether err says that a key (or an upload) does not
// exist. HEAD answers carry no error body, so the status code counts too.
func isNotFound(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NotFound", "NoSuchUpload":
			return true
		}
	}
	var resp *smithyhttp.ResponseError
	return errors.As(err, &resp) && resp.HTTPStatusCode() == http.StatusNotFound
}

// isNoSuchUpload reports whether err says that a multipart upload id is
// unknown (never created, completed or aborted).
func isNoSuchUpload(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "NoSuchUpload"
}

// isBadPart reports whether err says that the parts given to complete an
// upload do not match what was uploaded: the client's mistake.
func isBadPart(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "InvalidPart", "InvalidPartOrder", "EntityTooSmall":
			return true
		}
	}
	return false
}

// isPathConflict reports whether err says that a key cannot be written
// because of a file/directory clash, which servers on a file system (such
// as versitygw's posix backend) refuse and AWS allows.
func isPathConflict(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ExistingObjectIsDirectory", "ObjectParentIsFile":
			return true
		}
	}
	return false
}
