package pyworker

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/mlmodel"
)

// Frames between Weir and a worker are a 4-byte big-endian length and a
// payload. A worker's payloads start with one of these kinds; the protocol
// is described in worker.py.
const (
	kindReady   = 'R'
	kindFailed  = 'F'
	kindAnswers = 'P'
	kindError   = 'E'
)

// maxFrame caps what Weir reads from a worker before allocating.
const maxFrame = 1 << 30

// appendHeader appends the length of a payload of n bytes.
func appendHeader(b []byte, n int) []byte {
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

// readFrame reads one frame's payload into a new slice.
func readFrame(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n == 0 || n > maxFrame {
		return nil, fmt.Errorf("worker sent a frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// appendRequest appends a request frame for rows: one JSON array of values
// per column, in the order of the inputs.
func appendRequest(b []byte, inputs []mlmodel.Input, rows [][]any) ([]byte, error) {
	start := len(b)
	b = appendHeader(b, 0)
	b = append(b, '[')
	for j := range inputs {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for i, row := range rows {
			if len(row) != len(inputs) {
				return nil, weir.Errorf(weir.ErrBadRequest, "row %d has %d values, the model reads %d columns", i, len(row), len(inputs))
			}
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, row[j]); err != nil {
				return nil, weir.Errorf(weir.ErrBadRequest, "row %d, column %q: %v", i, inputs[j].Name, err)
			}
		}
		b = append(b, ']')
	}
	b = append(b, ']')
	n := len(b) - start - 4
	if n > maxFrame {
		return nil, weir.Errorf(weir.ErrBadRequest, "the batch encodes to %d bytes, more than a worker takes (%d)", n, maxFrame)
	}
	binary.BigEndian.PutUint32(b[start:], uint32(n))
	return b, nil
}

// appendValue appends v as JSON as Python's json module reads it: NaN and
// infinities as its NaN, Infinity and -Infinity, floats always with a point
// or exponent (so a float column stays float), times as ISO 8601 text.
func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case float64:
		switch {
		case math.IsNaN(v):
			return append(b, "NaN"...), nil
		case math.IsInf(v, 1):
			return append(b, "Infinity"...), nil
		case math.IsInf(v, -1):
			return append(b, "-Infinity"...), nil
		}
		n := len(b)
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
		for _, c := range b[n:] {
			if c == '.' || c == 'e' {
				return b, nil
			}
		}
		return append(b, ".0"...), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case string:
		return appendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case time.Time:
		// Naive UTC, as MLflow's datetime columns hold naive times.
		b = append(b, '"')
		b = v.UTC().AppendFormat(b, "2006-01-02T15:04:05.999999999")
		return append(b, '"'), nil
	}
	return b, fmt.Errorf("value of type %T is not a number, string, bool or time", v)
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// decodeAnswers fills out from an answers payload for n rows. Raw slices
// point into payload, which the caller does not reuse.
func decodeAnswers(payload []byte, n int, out *mlmodel.Scores) error {
	p := payload[1:]
	if len(p) < 4 {
		return fmt.Errorf("worker answer is truncated")
	}
	if got := binary.BigEndian.Uint32(p); int64(got) != int64(n) {
		return fmt.Errorf("worker answered %d rows for %d", got, n)
	}
	p = p[4:]
	for i := 0; i < n; i++ {
		if len(p) < 4 {
			return fmt.Errorf("worker answer is truncated at row %d", i)
		}
		m := binary.BigEndian.Uint32(p)
		p = p[4:]
		if int64(m) > int64(len(p)) {
			return fmt.Errorf("worker answer for row %d is truncated", i)
		}
		raw := p[:m:m]
		p = p[m:]
		out.Raw[i] = raw
		out.Value[i] = number(raw)
	}
	if len(p) != 0 {
		return fmt.Errorf("worker answer has %d bytes after its last row", len(p))
	}
	return nil
}

// number returns raw as a float64 when it is a JSON number (or Python's
// NaN and infinities), else NaN.
func number(raw []byte) float64 {
	if len(raw) == 0 {
		return math.NaN()
	}
	switch c := raw[0]; {
	case c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I':
	default:
		return math.NaN()
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// workerError is the error frame's JSON.
type workerError struct {
	Code    string `json:"error_code"`
	Message string `json:"message"`
}

// decodeError turns an error payload into the error a request gets: a
// *weir.Error that a server answers with 400 and the message, as MLflow's
// server answers an exception raised in predict.
func decodeError(payload []byte) error {
	var we workerError
	if err := json.Unmarshal(payload[1:], &we); err != nil {
		return fmt.Errorf("worker sent an unreadable error: %v", err)
	}
	code := weir.ErrBadRequest
	if we.Code == weir.ErrInvalidParameterValue {
		code = we.Code
	}
	return weir.Errorf(code, "%s", we.Message)
}
