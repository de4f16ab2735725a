package httpapi

import (
	"bytes"
	"encoding/json"
)

// Log-batch requests carry up to a thousand small flat objects. Decoding
// each field of each through encoding/json's reflection dominated the
// endpoint's time, so the batch elements decode themselves with the scanner
// below. encoding/json has already checked that the whole body is valid JSON
// before it hands an element over, so the scanner only has to find the
// boundaries of keys and values, never to report syntax errors; it still
// checks every index so that no input can make it panic.

// batchMetric is a metric in a log-batch request. Its fields sit behind a
// pointer: encoding/json grows the []batchMetric of a request by
// reallocating and copying it as elements arrive, about five times the
// final size in all, and the fields (over 300 bytes) made that a megabyte
// of garbage per batch of 1000, the largest part of the endpoint's
// allocations and of its garbage collections.
type batchMetric struct {
	*wireMetricFields
	bad []byte // the element when it is not a JSON object
}

// UnmarshalJSON implements json.Unmarshaler. encoding/json calls it for
// every element, null included, so the fields are never a nil pointer.
func (m *batchMetric) UnmarshalJSON(b []byte) error {
	*m = batchMetric{wireMetricFields: new(wireMetricFields)}
	m.bad = decodeFlat(b, m)
	return nil
}

func (m *batchMetric) field(key []byte) json.Unmarshaler {
	switch string(key) {
	case "key":
		return &m.Key
	case "value":
		return &m.Value
	case "timestamp":
		return &m.Timestamp
	case "step":
		return &m.Step
	case "model_id":
		return &m.ModelID
	case "dataset_name":
		return &m.DatasetName
	case "dataset_digest":
		return &m.DatasetDigest
	}
	return nil
}

// batchPair is a param or tag in a log-batch request.
type batchPair struct {
	wireTag
	bad []byte
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *batchPair) UnmarshalJSON(b []byte) error {
	*p = batchPair{}
	p.bad = decodeFlat(b, p)
	return nil
}

func (p *batchPair) field(key []byte) json.Unmarshaler {
	switch string(key) {
	case "key":
		return &p.Key
	case "value":
		return &p.Value
	}
	return nil
}

// flatObject is a struct decoded by decodeFlat: field returns the field
// that a key names, or nil to skip the key. (An interface rather than a
// callback, so that decoding an element allocates nothing.)
type flatObject interface {
	field(key []byte) json.Unmarshaler
}

// decodeFlat feeds each member of the JSON object b to the field of obj
// that its key names, skipping unknown keys. It returns a copy of b when b
// is not an object (null counts as an empty object).
func decodeFlat(b []byte, obj flatObject) (bad []byte) {
	i := skipSpace(b, 0)
	if i < len(b) && b[i] == 'n' {
		return nil
	}
	if i >= len(b) || b[i] != '{' {
		return bytes.Clone(b)
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		end := scanString(b, i)
		key := b[i:end]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return bytes.Clone(b)
		}
		start := skipSpace(b, i+1)
		end = scanValue(b, start)
		if f := obj.field(keyBytes(key)); f != nil {
			f.UnmarshalJSON(b[start:end]) // field types record bad values instead of failing
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

// keyBytes returns the text of a quoted key, without copying unless the
// key has escapes.
func keyBytes(quoted []byte) []byte {
	if len(quoted) >= 2 && bytes.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1]
	}
	s, _ := unquote(quoted)
	return []byte(s)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the index just past the string starting at b[i].
func scanString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// scanValue returns the index just past the value starting at b[i].
func scanValue(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return scanString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = scanString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return len(b)
}
