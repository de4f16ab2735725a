package objput

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// Error is a failed S3 request: no answer (Err), or an error answer with
// S3's code and message. It names the request's URL, which holds no
// secret; the signature and the keys are never part of it.
type Error struct {
	Method    string
	URL       string
	Status    int    // the HTTP status; 0 when there was no answer
	Code      string // S3's error code, such as AccessDenied or NoSuchBucket
	Message   string // S3's message
	RequestID string
	Err       error // why there was no answer
}

// Error returns the method, URL and what went wrong.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("objput: %s %s: %v", e.Method, e.URL, e.Err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "objput: %s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if hint := hints[e.Code]; hint != "" {
		b.WriteString(" (" + hint + ")")
	} else if hint := statusHints[e.Status]; e.Code == "" && hint != "" {
		// HEAD answers carry no error document: the status is all there is.
		b.WriteString(" (" + hint + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request id " + e.RequestID + "]")
	}
	return b.String()
}

// Unwrap returns why there was no answer.
func (e *Error) Unwrap() error { return e.Err }

// hints say what to check for the errors a misconfigured replica meets.
var hints = map[string]string{
	"SignatureDoesNotMatch":        "check AWS_SECRET_ACCESS_KEY, AWS_REGION and the endpoint",
	"InvalidAccessKeyId":           "check AWS_ACCESS_KEY_ID",
	"AuthorizationHeaderMalformed": "check AWS_REGION",
	"PermanentRedirect":            "the bucket is in another region or needs another endpoint; check AWS_REGION and WEIR_S3_PATH_STYLE",
	"ExpiredToken":                 "AWS_SESSION_TOKEN has expired",
}

// statusHints say what a bare status most likely means.
var statusHints = map[int]string{
	http.StatusNotFound:         "no such bucket",
	http.StatusForbidden:        "access denied or wrong keys; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION",
	http.StatusMovedPermanently: "the bucket is in another region; check AWS_REGION",
	http.StatusBadRequest:       "check AWS_REGION and the endpoint",
}

// parse fills Code and Message from S3's error document, when body is one.
func (e *Error) parse(body []byte) {
	var doc struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if xml.Unmarshal(body, &doc) == nil {
		e.Code, e.Message = doc.Code, strings.TrimSpace(doc.Message)
	}
	if len(e.Message) > 300 {
		e.Message = e.Message[:300] + "..."
	}
}
