package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/weir-ml/weir"
)

// maxJSONValues bounds the values (objects, arrays and their elements) of a
// JSON body: decoded, each costs far more than its few bytes of text, so a
// body of many tiny values would take many times its size in memory.
// MLflow's largest requests (a full log-batch) hold some thousands.
const maxJSONValues = 100_000

var errTooManyValues = weir.Errorf(weir.ErrInvalidParameterValue,
	"Request body holds more than %d JSON values: split it into smaller requests.", maxJSONValues)

// countsJSON reports whether r's body is JSON for an API handler, and so is
// counted as it is read; artifact and UI uploads are files, UI forms are
// forms.
func countsJSON(r *http.Request) bool {
	p := r.URL.Path
	return (strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ajax-api/")) &&
		!isArtifactUpload(r) && p != "/ajax-api/2.0/mlflow/upload-artifact"
}

// valueCounter counts the values of JSON text fed to it piece by piece, as
// a body arrives: every '{', '[' and ',' outside strings. It needs no
// memory beyond its state, so a body of a million tiny values is refused
// after its first hundred thousand, long before it is all read.
type valueCounter struct {
	n         int
	inString  bool
	backslash bool // the piece before ended in an odd run of backslashes
}

func (c *valueCounter) feed(p []byte) {
	for i := 0; i < len(p); {
		if c.inString {
			end, closed := c.stringEnd(p[i:])
			i += end
			c.inString = !closed
			continue
		}
		switch p[i] {
		case '"':
			c.inString = true
		case '{', '[', ',':
			c.n++
		}
		i++
	}
}

// stringEnd returns how much of p belongs to the string being read, and
// whether it closes there. Strings are most of a body's bytes, so they are
// skipped a quote at a time with IndexByte; a quote after an odd run of
// backslashes is escaped.
func (c *valueCounter) stringEnd(p []byte) (int, bool) {
	from := 0
	for {
		j := bytes.IndexByte(p[from:], '"')
		if j < 0 {
			c.backslash = oddBackslashes(p, len(p), c.backslash)
			return len(p), false
		}
		q := from + j
		if !oddBackslashes(p, q, c.backslash) {
			c.backslash = false
			return q + 1, true
		}
		from = q + 1
	}
}

// oddBackslashes reports whether the run of backslashes just before p[end]
// is odd; carried is the parity of a run that reached the piece's start.
func oddBackslashes(p []byte, end int, carried bool) bool {
	k := end
	for k > 0 && p[k-1] == '\\' {
		k--
	}
	odd := (end-k)%2 == 1
	if k == 0 && carried {
		odd = !odd
	}
	return odd
}

// countAbove is the size from which bodies are counted: smaller ones cannot
// hold enough values to matter (at two bytes a value, 131,072 at most).
const countAbove = 256 << 10

// checkJSONString counts the values inside a large body that is a JSON
// string holding JSON, which old clients send and decode decodes twice: to
// the counter that read it, it was one string.
func checkJSONString(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) < countAbove || b[0] != '"' {
		return nil
	}
	var inner string
	if json.Unmarshal(b, &inner) != nil {
		return nil // decode reports the syntax error
	}
	var c valueCounter
	c.feed([]byte(inner))
	if c.n > maxJSONValues {
		return errTooManyValues
	}
	return nil
}
